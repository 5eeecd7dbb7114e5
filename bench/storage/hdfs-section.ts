/**
 * `hdfs` bench section: local file → partitioned CSV on hdfs:// (the stack's MiniDFSCluster),
 * beside raw WebHDFS CREATEs (Sluice's WebHdfsClient, no pipeline) of the same bytes in files of
 * the same sizes as the pipeline committed. Starts HDFS if it is not running and stops it only then.
 */
import hdfs, { hdfsEnv } from '../../test/stack/services/hdfs.ts';
import { WebHdfsClient } from '../../src/storage/hdfs/index.ts';
import { payloadInput, shapeLabel, type RowShape } from './payload-input.ts';
import { servicePid, withOwnCpu, withServerCpu } from './cpu.ts';
import { printStorageSection } from './report.ts';
import { runLocalCeiling, runStorageJob } from './run-job.ts';

/** Visible file sizes under `dir` (skipping `.`/`_` names), recursively. */
async function visibleSizes(client: WebHdfsClient, dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const s of await client.listStatus(dir)) {
    if (s.pathSuffix.startsWith('.') || s.pathSuffix.startsWith('_')) continue;
    if (s.type === 'DIRECTORY') out.push(...(await visibleSizes(client, `${dir}/${s.pathSuffix}`)));
    else out.push(s.length);
  }
  return out;
}

export async function benchHdfs(work: string, shapes: RowShape[]): Promise<void> {
  const fileSize = process.env.BENCH_HDFS_FILE_SIZE ?? '8MB';
  const started = (await hdfs.status()) === null;
  if (started) await hdfs.up();
  const env = hdfsEnv();
  const client = new WebHdfsClient({ baseUrl: env.HDFS_WEBHDFS });
  const base = `/sluice-bench/storage-${Date.now()}`;
  try {
    for (const [n, shape] of shapes.entries()) {
      const input = await payloadInput(work, shape.records, shape.width);
      const rpc = new URL(env.HDFS_NAMENODE).host;
      const server = servicePid('hdfs');
      const { result: run, serverCpu: jobServerCpu } = await withServerCpu(server, () => runStorageJob(work, {
        name: 'bench-hdfs', input, sink: `${env.HDFS_NAMENODE}${base}/out-${n}`, fileSize,
        storage: `    hdfs: {namenodes: {"${rpc}": "${env.HDFS_WEBHDFS}"}}`,
      }));
      const sizes = await visibleSizes(client, `${base}/out-${n}`);
      const data = Buffer.alloc(Math.max(...sizes), 'abcdefgh,0123456\n');
      const t0 = performance.now();
      const { result: { cpu: clientCpu }, serverCpu } = await withServerCpu(server, () => withOwnCpu(async () => {
        // as many uploads at once as the sink closes files at once (FileSink: 4), so the raw limit is the client's best
        for (let i = 0; i < sizes.length; i += 4) {
          await Promise.all(sizes.slice(i, i + 4).map((size, j) => client.create(`${base}/raw-${n}/file-${i + j}`, data.subarray(0, size), { overwrite: true })));
        }
      }));
      const seconds = (performance.now() - t0) / 1000;
      const bytes = sizes.reduce((a, b) => a + b, 0);
      const local = await runLocalCeiling(work, input, fileSize);
      printStorageSection(`hdfs: local file → partitioned CSV on hdfs://, ${shapeLabel(shape)}, fileSize ${fileSize}`, run, { seconds, bytes, what: `${sizes.length} WebHDFS CREATEs, 4 at a time`, clientCpu, serverCpu }, local, jobServerCpu);
    }
  } finally {
    await client.delete(base, { recursive: true }).catch(() => false);
    if (started) await hdfs.down();
  }
}

/**
 * `oss` bench section: local file → partitioned CSV on oss:// (the stack's OSS emulator),
 * beside a raw ali-oss multipart upload (no pipeline) of the same bytes, in objects of the same
 * sizes as the pipeline committed and parts of the same size. Starts the emulator if it is not
 * running and stops it only then; deletes what it wrote.
 */
import OSS from 'ali-oss';
import oss from '../../test/stack/services/oss.ts';
import { payloadInput, shapeLabel, type RowShape } from './payload-input.ts';
import { servicePid, withOwnCpu, withServerCpu } from './cpu.ts';
import { printStorageSection } from './report.ts';
import { runLocalCeiling, runStorageJob } from './run-job.ts';
import { listAll, ossClient } from './targets.ts';

/** The bench job writes 3 partitions (pid = uid mod 3), so 3 objects are being uploaded at once. */
const RAW_CONCURRENCY = 3;

/** One object as a plain ali-oss multipart upload in parts of `partSize`. */
async function rawUpload(client: OSS, key: string, data: Buffer, partSize: number): Promise<void> {
  const { uploadId } = await client.initMultipartUpload(key);
  const parts: Array<{ number: number; etag: string }> = [];
  for (let start = 0, n = 1; start < data.length || n === 1; start += partSize, n++) {
    const res = await client.uploadPart(key, uploadId, n, data, start, Math.min(data.length, start + partSize));
    parts.push({ number: n, etag: res.etag });
  }
  await client.completeMultipartUpload(key, uploadId, parts);
}

const visible = (rel: string): boolean => !rel.split('/').some((s) => s.startsWith('.') || s.startsWith('_'));

export async function benchOss(work: string, shapes: RowShape[]): Promise<void> {
  const fileSize = process.env.BENCH_OSS_FILE_SIZE ?? '64MB';
  const partSize = 8 << 20;
  const started = (await oss.status()) === null;
  const env = started ? await oss.up() : (await oss.status())!;
  const client = ossClient(env);
  const base = `sluice-bench/storage-${Date.now()}`;
  try {
    for (const [k, shape] of shapes.entries()) {
      const input = await payloadInput(work, shape.records, shape.width);
      const server = servicePid('oss');
      const { result: run, serverCpu: jobServerCpu } = await withServerCpu(server, () => runStorageJob(work, {
        name: 'bench-oss', input, sink: `oss://${env.OSS_BUCKET}/${base}/out-${k}`, fileSize, uploadPartSize: '8MB',
        storage: `    oss: {endpoint: "${env.OSS_ENDPOINT}", region: ${env.OSS_REGION}, pathStyle: true, credentialsSecret: bench-oss}`,
      }, { SLUICE_SECRET_BENCH_OSS_ACCESSKEYID: env.OSS_ACCESS_KEY_ID!, SLUICE_SECRET_BENCH_OSS_ACCESSKEYSECRET: env.OSS_ACCESS_KEY_SECRET! }));
      const sizes = (await listAll(client, `${base}/out-${k}/`)).filter((o) => visible(o.name.slice(`${base}/out-${k}/`.length))).map((o) => o.size);
      const data = Buffer.alloc(Math.max(...sizes), 'abcdefgh,0123456\n');
      const t0 = performance.now();
      const { result: { cpu: clientCpu }, serverCpu } = await withServerCpu(server, () => withOwnCpu(async () => {
        // as many objects at once as the job writes (one per partition), so the raw limit is the client's best
        for (let i = 0; i < sizes.length; i += RAW_CONCURRENCY) {
          await Promise.all(sizes.slice(i, i + RAW_CONCURRENCY).map((size, j) => rawUpload(client, `${base}/raw-${k}/file-${i + j}`, data.subarray(0, size), partSize)));
        }
      }));
      const seconds = (performance.now() - t0) / 1000;
      const bytes = sizes.reduce((a, b) => a + b, 0);
      const local = await runLocalCeiling(work, input, fileSize);
      printStorageSection(`oss: local file → partitioned CSV on oss:// (emulator), ${shapeLabel(shape)}, fileSize ${fileSize}, parts 8MB`, run, {
        seconds, bytes, what: `${sizes.length} ali-oss multipart uploads in 8 MB parts, ${RAW_CONCURRENCY} at a time`, clientCpu, serverCpu,
      }, local, jobServerCpu);
    }
  } finally {
    const keys = (await listAll(client, `${base}/`).catch(() => [])).map((o) => o.name);
    for (let i = 0; i < keys.length; i += 1000) await client.deleteMulti(keys.slice(i, i + 1000), { quiet: true }).catch(() => undefined);
    if (started) await oss.down();
  }
}

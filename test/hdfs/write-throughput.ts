/**
 * Measures how to write a part file over WebHDFS: one CREATE vs CREATE + APPEND in chunks of
 * various sizes (the numbers behind HdfsPartWriter's buffering, src/storage/hdfs/README.md).
 * Not a test: `npx node test/hdfs/write-throughput.ts` with the stack's HDFS running
 * (`npm run stack -- up hdfs`); set HDFS_WEBHDFS to measure another cluster.
 */
import { WebHdfsClient } from '../../src/storage/hdfs/webhdfs-client.ts';
import { hdfsEnv } from '../stack/services/hdfs.ts';

const client = new WebHdfsClient({ baseUrl: process.env.HDFS_WEBHDFS ?? hdfsEnv().HDFS_WEBHDFS });
const dir = `/sluice-bench/write-throughput-${Date.now()}`;
const MiB = 1 << 20;

async function measure(label: string, total: number, chunk: number): Promise<void> {
  const data = Buffer.alloc(chunk, 97);
  const path = `${dir}/${label}`;
  const t0 = performance.now();
  await client.create(path, data);
  for (let written = chunk; written < total; written += chunk) await client.append(path, data);
  const ms = performance.now() - t0;
  const length = (await client.getFileStatus(path)).length;
  if (length !== total) throw new Error(`${path}: ${length} bytes written, expected ${total}`);
  const requests = total / chunk;
  process.stdout.write(
    `${label.padEnd(20)} ${(total / MiB).toFixed(0).padStart(3)} MiB in ${String(requests).padStart(3)} requests: ` +
      `${((total / MiB) / (ms / 1000)).toFixed(1).padStart(6)} MiB/s, ${(ms / requests).toFixed(0)} ms/request\n`,
  );
}

await measure('warm-up', 8 * MiB, 8 * MiB);
await measure('one CREATE', 64 * MiB, 64 * MiB);
await measure('APPEND per 8 MiB', 64 * MiB, 8 * MiB);
await measure('APPEND per 1 MiB', 32 * MiB, MiB);
await measure('APPEND per 64 KiB', 4 * MiB, 64 * 1024);
await client.delete(dir, { recursive: true });

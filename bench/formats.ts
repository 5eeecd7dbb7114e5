/**
 * `npm run bench` formats section: the same job with each sink format, beside plain CSV in the
 * same run, on two shapes:
 *   seed:  `{"uid": n}` JSON lines → SELECT uid, PMOD(uid, 3) AS pid → partitioned by pid (one
 *          INT column in the files: the seed's second job);
 *   ~1 KB: `{"uid", "payload"}` rows with a 1,000-char payload → SELECT uid, payload, pid.
 * Formats: CSV, CSV+gzip, CSV+zstd, JSON+gzip, Parquet snappy, Parquet zstd. Per run: records/s,
 * MB/s of input read and of output written (bytes committed to storage), the compression ratio
 * (plain CSV's output bytes over this format's, same rows), peak RSS. From the built dist/.
 * BENCH_FORMAT_SHAPES (`seed:<records>,wide:<records>`) changes the sizes.
 */
import { rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { payloadInput } from './storage/payload-input.ts';
import { runSluiceJob } from './storage/run-job.ts';

const FORMATS: Array<[string, string]> = [
  ['CSV', '{type: csv}'],
  ['CSV+gzip', '{type: csv, compression: gzip}'],
  ['CSV+zstd', '{type: csv, compression: zstd}'],
  ['JSON+gzip', '{type: json, compression: gzip}'],
  ['Parquet snappy', '{type: parquet, compression: snappy}'],
  ['Parquet zstd', '{type: parquet, compression: zstd}'],
];

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

interface Shape { name: string; records: number; input: string; schema: string; query: string }

function shapes(): Array<{ name: string; records: number }> {
  const spec = process.env.BENCH_FORMAT_SHAPES ?? 'seed:5000000,wide:300000';
  return spec.split(',').map((p) => {
    const [name, n] = p.split(':');
    return { name: name!, records: Number(n) };
  });
}

async function runFormat(dir: string, s: Shape, label: string, format: string): Promise<{ seconds: number; bytes: number; maxRssMb: number }> {
  const out = path.join(dir, 'formats-out');
  await rm(out, { recursive: true, force: true });
  const job = path.join(dir, 'formats-job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: bench-formats}
spec:
  source: {files: {path: ${JSON.stringify(s.input)}}, format: {type: json}, schema: ${s.schema}}
  transform:
    query: ${s.query}
  sink: {path: ${JSON.stringify(out)}, format: ${format}, partitionBy: [pid], rollingPolicy: {fileSize: 128MB}, partitionCommit: {policy: [success-file]}}
  checkpoint: {interval: 10s}
`);
  const events = await runSluiceJob(job);
  const summary = events.find((e) => e.event === 'summary')!;
  if (summary.recordsCommitted !== s.records) throw new Error(`${label}: committed ${String(summary.recordsCommitted)} of ${s.records}`);
  await rm(out, { recursive: true, force: true });
  return { seconds: summary.elapsedSeconds as number, bytes: summary.bytesCommitted as number, maxRssMb: summary.maxRssMb as number };
}

export async function benchFormats(work: string, uidInput: (n: number) => Promise<string>): Promise<void> {
  for (const { name, records } of shapes()) {
    const s: Shape = name === 'seed'
      ? { name: 'seed shape (uid INT)', records, input: await uidInput(records), schema: '[{name: uid, type: INT}]', query: 'SELECT uid, PMOD(uid, 3) AS pid FROM source' }
      : { name: '~1 KB rows (uid, 1,000-char payload)', records, input: await payloadInput(work, records, 1000), schema: '[{name: uid, type: INT}, {name: payload, type: STRING}]', query: 'SELECT uid, payload, PMOD(uid, 3) AS pid FROM source' };
    const inBytes = (await stat(s.input)).size;
    console.log(`\n## formats: ${s.name}, ${fmt(records)} records, ${fmt(inBytes / 1e6, 1)} MB of JSON in, partitioned by pid`);
    console.log('format           records/s   MB/s in  MB/s out  ratio vs CSV  % of CSV rate  peak RSS');
    let csv: { rate: number; bytes: number } | null = null;
    for (const [label, format] of FORMATS) {
      const r = await runFormat(work, s, label, format);
      const rate = records / r.seconds;
      csv ??= { rate, bytes: r.bytes };
      console.log(`${label.padEnd(15)} ${fmt(rate).padStart(10)} ${fmt(inBytes / 1e6 / r.seconds, 1).padStart(9)} ${fmt(r.bytes / 1e6 / r.seconds, 1).padStart(9)} ${fmt(csv.bytes / r.bytes, 2).padStart(12)}x ${fmt((100 * rate) / csv.rate, 1).padStart(13)}% ${fmt(r.maxRssMb).padStart(6)} MB`);
    }
    console.log('targets: Parquet >= 1,000,000 records/s on the seed shape, compressed CSV >= 50% of plain CSV, peak RSS < 256 MB');
  }
}

/**
 * The end state a crash test demands of a sink, whatever the storage: read the way a Hive/Flink
 * reader would (names starting with `.` or `_` skipped), every sequence number of the input is
 * visible exactly once, in the partition PMOD(uid, 3) (or PMOD(seq, partitions)) says, each
 * partition has `_SUCCESS`, and no hidden temp/in-progress file is left anywhere outside
 * Sluice's own `_sluice/` state. Files are read a few at a time (a sink of 10,000 partitions
 * holds tens of thousands of small files), each checked whole before the next is taken.
 *
 * The storage is reached through `SinkTree`, which each test implements with a plain client
 * (raw WebHDFS, ali-oss), not with the backend under test.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { duckdb, lit } from '../../helpers/duckdb.ts';
import { partitionOf, uidOf } from './sequenced-input.ts';

/**
 * A visible file's bytes → its `seq,uid,...` lines as text, read by an independent reader; it
 * throws on a file that is not complete (a truncated gzip stream, a Parquet file without footer).
 */
export type FileDecoder = (rel: string, data: Buffer) => Promise<string>;

/** gzip CSV: Node's gunzip checks the stream's CRC and length trailer. */
export const gzipCsv: FileDecoder = async (_rel, data) => gunzipSync(data).toString('utf8');

/** Parquet, read by DuckDB (a file without its footer fails the query). */
export const parquetSeqUid: FileDecoder = async (rel, data) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-check-pq-'));
  try {
    const file = path.join(dir, path.basename(rel));
    await writeFile(file, data);
    // one string, not a row object per record: a crash test reads millions of them
    const [r] = await duckdb(`SELECT coalesce(string_agg(seq::VARCHAR || ',' || uid::VARCHAR || chr(10), ''), '') AS t FROM read_parquet(${lit(file)}, hive_partitioning = false)`);
    return r!.t as string;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

export interface SinkTree {
  /** Every file below the sink root except under `_sluice/`, as root-relative paths (`pid=0/part-...`). */
  files(): Promise<Array<{ rel: string; size: number }>>;
  read(rel: string): Promise<Buffer>;
}

export interface SinkSummary {
  visibleFiles: number;
  bytes: number;
}

export interface CheckOptions {
  /** How a visible file's bytes become `seq,uid,...` lines. @default the bytes as UTF-8 text */
  decode?: FileDecoder;
  /** The job partitions by PMOD(seq, partitions) (sequencedJobYaml's `partitions`). @default the seed's 3 by uid */
  partitions?: number;
  /** Files read at once. @default 8 */
  concurrency?: number;
}

const hiddenSegment = (rel: string): boolean => rel.split('/').some((s) => s.startsWith('.') || s.startsWith('_'));

export async function checkExactlyOnce(tree: SinkTree, records: number, seed: number, options: CheckOptions = {}): Promise<SinkSummary> {
  const { decode, partitions } = options;
  const all = await tree.files();
  const temps = all.filter((f) => f.rel.split('/').some((s) => s.startsWith('.')));
  assert.deepEqual(temps.slice(0, 20).map((f) => f.rel), [], `hidden temp/in-progress files left under the sink (${temps.length} in all; seed ${seed})`);
  const names = new Set(all.map((f) => f.rel));
  for (let pid = 0; pid < (partitions ?? 3); pid++) {
    assert.ok(names.has(`pid=${pid}/_SUCCESS`), `pid=${pid}/_SUCCESS is missing (seed ${seed})`);
  }
  const visible = all.filter((f) => !hiddenSegment(f.rel));
  const seen = new Uint8Array(records);
  let bytes = 0;
  const checkFile = async (f: { rel: string; size: number }): Promise<void> => {
    const m = /^pid=(\d+)\/[^/]+$/.exec(f.rel);
    assert.ok(m, `unexpected visible file ${f.rel}`);
    const pid = Number(m[1]);
    const data = await tree.read(f.rel);
    assert.equal(data.length, f.size, `${f.rel}: listed ${f.size} bytes, read ${data.length}`);
    let text: string;
    try {
      text = decode === undefined ? data.toString('utf8') : await decode(f.rel, data);
    } catch (e) {
      assert.fail(`${f.rel} cannot be read whole: a partial file is visible (seed ${seed}): ${(e as Error).message}`);
    }
    bytes += f.size;
    if (text.length === 0) return;
    assert.ok(text.endsWith('\n'), `${f.rel} does not end with a newline: a partial file is visible (seed ${seed})`);
    for (const line of text.slice(0, -1).split('\n')) {
      const [seqText, uidText] = line.split(',', 2);
      const seq = Number(seqText);
      assert.ok(Number.isInteger(seq) && seq >= 0 && seq < records, `${f.rel}: bad line '${line.slice(0, 80)}'`);
      assert.equal(Number(uidText), uidOf(seq), `${f.rel}: seq ${seq} carries the wrong uid`);
      assert.equal(partitionOf(seq, partitions), pid, `seq ${seq} is in pid=${pid}, not pid=${partitionOf(seq, partitions)}`);
      assert.equal(seen[seq], 0, `seq ${seq} is visible twice (second time in ${f.rel}; seed ${seed})`);
      seen[seq] = 1;
    }
  };
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < visible.length) {
      await checkFile(visible[next++]!).catch((e: unknown) => {
        failed = true;
        throw e;
      });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, lane));
  const missing = seen.indexOf(0);
  assert.equal(missing, -1, `seq ${missing} is missing (seed ${seed})`);
  return { visibleFiles: visible.length, bytes };
}

/**
 * The file sink with the lake formats: gzip/zstd part files, the CSV header, Parquet. Files are
 * judged by DuckDB (and gunzip/zstd from Node's zlib), never by Sluice's own readers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import type { Field, Format, Row } from '../api/types.ts';
import { createPartFormat } from '../formats/part-format.ts';
import { LocalStorage } from '../storage/local/local-storage.ts';
import { duckdb, lit } from '../../test/helpers/duckdb.ts';
import { FileSink, type FileSinkOptions, type PendingPart } from './file-sink.ts';

const UID_PID: Field[] = [{ name: 'uid', type: 'INT' }, { name: 'pid', type: 'INT' }];

async function sink(format: Format, schema: Field[], partitionBy: string[], over: Partial<FileSinkOptions> = {}): Promise<{ s: FileSink; root: string; storage: LocalStorage }> {
  const root = await mkdtemp(path.join(tmpdir(), 'sluice-sink-fmt-'));
  const storage = new LocalStorage();
  const partitionIndexes = partitionBy.map((k) => schema.findIndex((f) => f.name === k));
  const body = schema.map((_, i) => i).filter((i) => !partitionIndexes.includes(i));
  const { extension, ...pf } = createPartFormat(format, schema, body);
  const s = new FileSink({
    ...pf, storage, root, partitionKeys: partitionBy, partitionIndexes,
    rolling: { fileSize: 128 << 20, rolloverIntervalMs: 1e9, inactivityIntervalMs: 1e9 },
    namePrefix: 'part-u-0-', suffix: extension, counter: 0, ...over,
  });
  return { s, root, storage };
}

async function commitAll(storage: LocalStorage, pending: PendingPart[]): Promise<void> {
  for (const p of pending) await storage.commit(p.file);
}

const byName = (a: PendingPart, b: PendingPart): number => a.file.target.localeCompare(b.file.target, 'en', { numeric: true });

for (const [codec, ext, inflate] of [['gzip', '.gz', gunzipSync], ['zstd', '.zst', zstdDecompressSync]] as const) {
  test(`${codec} CSV: each part file is one complete ${codec} stream named ${ext}, read by DuckDB with hive partitioning`, async () => {
    const { s, root, storage } = await sink({ type: 'csv', compression: codec }, UID_PID, ['pid']);
    const rows: Row[] = [];
    for (let i = 0; i < 20_000; i++) rows.push([i - 10_000, i % 3]);
    s.writeBatch(rows, rows.length);
    await s.flush();
    const { pending } = await s.snapshotState();
    await commitAll(storage, pending);
    assert.deepEqual(pending.map((p) => path.basename(p.file.target)).sort(), [`part-u-0-0${ext}`, `part-u-0-1${ext}`, `part-u-0-2${ext}`]);
    for (const p of pending) {
      const bytes = await readFile(p.file.target);
      assert.equal(p.file.bytes, bytes.length, 'the pending file records the compressed size');
      const text = inflate(bytes).toString('utf8');
      assert.equal(text.split('\n').length - 1, p.records);
    }
    const got = await duckdb(`SELECT pid, count(*) AS n, sum(uid) AS s, min(uid) AS lo FROM read_csv(${lit(`${root}/*/*${ext}`)}, hive_partitioning = true, header = false, columns = {'uid': 'INTEGER'}) GROUP BY pid ORDER BY pid`);
    const want = [0, 1, 2].map((pid) => {
      const mine = rows.filter((r) => r[1] === pid).map((r) => r[0] as number);
      return { pid: String(pid), n: String(mine.length), s: String(mine.reduce((a, b) => a + b, 0)), lo: Math.min(...mine) };
    });
    assert.deepEqual(got.map((r) => ({ ...r, pid: String(r.pid) })), want);
  });
}

test('gzip JSON lines: DuckDB reads the .gz part file as newline-delimited JSON', async () => {
  const schema: Field[] = [{ name: 'id', type: 'BIGINT' }, { name: 'name', type: 'STRING' }];
  const { s, root, storage } = await sink({ type: 'json', compression: 'gzip' }, schema, []);
  s.writeBatch([[1n, 'ünïcødé ✓'], [-2n, null], [9007199254740993n, 'x']], 3);
  const { pending } = await s.snapshotState();
  await commitAll(storage, pending);
  assert.equal(path.basename(pending[0]!.file.target), 'part-u-0-0.gz');
  const got = await duckdb(`SELECT id::VARCHAR AS id, name FROM read_json(${lit(`${root}/*.gz`)}, format = 'newline_delimited', columns = {'id': 'BIGINT', 'name': 'VARCHAR'}) ORDER BY id`);
  assert.deepEqual(got, [{ id: '-2', name: null }, { id: '1', name: 'ünïcødé ✓' }, { id: '9007199254740993', name: 'x' }]);
});

test('compressed files roll by the bytes that reached storage, not by the text written', async () => {
  // 40,000 rows of a repetitive 60-byte line: 2.4 MB of text, far less gzipped. With a 64 KiB
  // flush threshold and a 256 KiB file size, rolling by text would make ~10 files; by stored
  // bytes the first file holds far more than 256 KiB of text.
  const schema: Field[] = [{ name: 'line', type: 'STRING' }];
  const { s, storage } = await sink({ type: 'csv', compression: 'gzip' }, schema, [], {
    rolling: { fileSize: 256 << 10, rolloverIntervalMs: 1e9, inactivityIntervalMs: 1e9 }, flushThreshold: 64 << 10,
  });
  const line = 'the same sixty bytes of text, over and over, compress well.';
  for (let b = 0; b < 40; b++) {
    s.writeBatch(Array.from({ length: 1000 }, (_, i) => [`${line}${(b * 1000 + i) % 10}`]), 1000);
    await s.flush();
  }
  const { pending } = await s.snapshotState();
  await commitAll(storage, pending);
  const records = pending.reduce((a, p) => a + p.records, 0);
  assert.equal(records, 40_000);
  for (const p of pending) {
    const stored = (await readFile(p.file.target)).length;
    // a file rolls once stored bytes + what is buffered (< flushThreshold + one batch) pass fileSize
    assert.ok(stored <= (256 << 10) + (128 << 10), `${p.file.target}: ${stored} bytes`);
  }
  assert.ok(pending.sort(byName)[0]!.records * 61 > 1 << 20, `the first file holds ${pending[0]!.records} rows: rolled by text size?`);
  for (const p of pending.slice(0, -1)) assert.ok(p.file.bytes >= (256 << 10) - (64 << 10), `${p.file.target}: only ${p.file.bytes} bytes stored`);
});

test('a compressed file far below the flush threshold still rolls near fileSize in stored bytes', async () => {
  // fileSize 64 KiB under the default 512 KiB threshold: compressed parts are written out every
  // 16 KiB, so a file rolls at 48..64 KiB stored, not at 64 KiB of text (~4 KiB gzipped)
  const { s } = await sink({ type: 'csv', compression: 'gzip' }, [{ name: 'n', type: 'INT' }], [], {
    rolling: { fileSize: 64 << 10, rolloverIntervalMs: 1e9, inactivityIntervalMs: 1e9 },
  });
  let next = 0;
  for (let b = 0; b < 200; b++) {
    s.writeBatch(Array.from({ length: 2000 }, () => [Math.imul(next++, 2654435761) | 0]), 2000);
    await s.flush();
  }
  const { pending } = await s.snapshotState();
  assert.ok(pending.length >= 3, `${pending.length} files`);
  for (const p of pending.sort(byName).slice(0, -1)) assert.ok(p.file.bytes >= 48 << 10 && p.file.bytes <= (64 << 10) + (40 << 10), `${p.file.bytes} bytes stored`);
});

test('CSV header: the first line of every part file names the body columns, quoted like values', async () => {
  const schema: Field[] = [{ name: 'uid', type: 'INT' }, { name: 'pid', type: 'INT' }, { name: 'full name', type: 'STRING' }];
  const { s, root, storage } = await sink({ type: 'csv', header: true }, schema, ['pid'], {
    rolling: { fileSize: 10, rolloverIntervalMs: 1e9, inactivityIntervalMs: 1e9 },
  });
  s.writeBatch([[1, 0, 'a'], [2, 0, 'b'], [3, 0, 'c'], [4, 1, 'd']], 4);
  await s.flush();
  const { pending } = await s.snapshotState();
  await commitAll(storage, pending);
  const texts = await Promise.all(pending.sort(byName).map((p) => readFile(p.file.target, 'utf8')));
  assert.ok(texts.length >= 3, 'fileSize 10 rolls pid=0 into several files');
  for (const t of texts) assert.equal(t.split('\n')[0], 'uid,"full name"');
  assert.equal(pending.reduce((a, p) => a + p.records, 0), 4, 'the header is not a record');
  const got = await duckdb(`SELECT uid, pid, "full name" AS n FROM read_csv(${lit(`${root}/*/*`)}, hive_partitioning = true, header = true) ORDER BY uid`);
  assert.deepEqual(got.map((r) => [String(r.uid), String(r.pid), r.n]), [['1', '0', 'a'], ['2', '0', 'b'], ['3', '0', 'c'], ['4', '1', 'd']]);
});

const ALL_TYPES: Field[] = [
  ['t', 'TINYINT'], ['s', 'SMALLINT'], ['i', 'INT'], ['b', 'BIGINT'], ['f', 'FLOAT'], ['d', 'DOUBLE'],
  ['d1', 'DECIMAL(5, 2)'], ['d2', 'DECIMAL(18, 4)'], ['d3', 'DECIMAL(38, 10)'], ['ok', 'BOOLEAN'],
  ['str', 'STRING'], ['v', 'VARCHAR(20)'], ['c', 'CHAR(3)'], ['dt', 'DATE'], ['ts', 'TIMESTAMP'],
  ['ts0', 'TIMESTAMP(0)'], ['ts3', 'TIMESTAMP(3)'], ['ts6', 'TIMESTAMP(6)'], ['ts9', 'TIMESTAMP(9)'], ['part', 'STRING'],
].map(([name, type]) => ({ name: name!, type: type! }));

export const ALL_TYPES_ROWS: Row[] = [
  [-128, -32768, -2147483648, -9223372036854775808n, -1.5, -2.25, '-123.45', '-12345678901234.5678', '-1234567890123456789012345678.0123456789', true,
    'héllo ✓ 日本 🚀', 'x,y "q"', 'abc', '1969-12-31', '1969-12-31 23:59:59.999999999', '1969-12-31 23:59:59', '1900-01-01 00:00:00.001', '2024-02-29 12:34:56.123456', '2262-01-01 00:00:00.123456789', 'é/x'],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, 'é/x'],
  [127, 32767, 2147483647, 9223372036854775807n, 0.5, 1.7976931348623157e308, '999.99', '99999999999999.9999', '9999999999999999999999999999.9999999999', false,
    '', ' ', 'c', '2000-02-29', '2000-01-01 00:00:00', '2000-01-01 00:00:00', '2000-01-01 00:00:00.5', '2000-01-01 00:00:00.000001', '1700-01-01 00:00:00.000000001', 'b'],
];

for (const compression of ['snappy', 'zstd', 'gzip', 'none'] as const) {
  test(`Parquet (${compression}): every type as Flink maps it, nulls, unicode, negatives; partition column left out; DuckDB reads it`, async () => {
    const { s, root, storage } = await sink({ type: 'parquet', compression }, ALL_TYPES, ['part']);
    s.writeBatch(ALL_TYPES_ROWS, ALL_TYPES_ROWS.length);
    const { pending } = await s.snapshotState();
    await commitAll(storage, pending);
    assert.ok(pending.every((p) => p.file.target.endsWith('.parquet')));
    const glob = lit(`${root}/*/*.parquet`);
    const types = await duckdb(`SELECT column_name AS n, column_type AS t FROM (DESCRIBE SELECT * FROM read_parquet(${glob}, hive_partitioning = false))`);
    assert.deepEqual(types.map((r) => `${r.n} ${r.t}`), [
      't TINYINT', 's SMALLINT', 'i INTEGER', 'b BIGINT', 'f FLOAT', 'd DOUBLE', 'd1 DECIMAL(5,2)', 'd2 DECIMAL(18,4)', 'd3 DECIMAL(38,10)',
      'ok BOOLEAN', 'str VARCHAR', 'v VARCHAR', 'c VARCHAR', 'dt DATE', 'ts TIMESTAMP_NS', 'ts0 TIMESTAMP', 'ts3 TIMESTAMP', 'ts6 TIMESTAMP', 'ts9 TIMESTAMP_NS',
    ], 'no partition column in the file');
    const codecs = await duckdb(`SELECT DISTINCT compression FROM parquet_metadata(${glob})`);
    assert.deepEqual(codecs.map((r) => r.compression), [{ snappy: 'SNAPPY', zstd: 'ZSTD', gzip: 'GZIP', none: 'UNCOMPRESSED' }[compression]]);
    const got = await duckdb(`SELECT * REPLACE (b::VARCHAR AS b, d1::VARCHAR AS d1, d2::VARCHAR AS d2, d3::VARCHAR AS d3, dt::VARCHAR AS dt, ts::VARCHAR AS ts, ts0::VARCHAR AS ts0, ts3::VARCHAR AS ts3, ts6::VARCHAR AS ts6, ts9::VARCHAR AS ts9)
      FROM read_parquet(${glob}, hive_partitioning = true) ORDER BY i NULLS LAST`);
    // ORDER BY i NULLS LAST: the negative row, the positive one, the nulls
    const want = [ALL_TYPES_ROWS[0]!, ALL_TYPES_ROWS[2]!, ALL_TYPES_ROWS[1]!];
    assert.deepEqual(got.map((r) => Object.values(r)), want.map((row) => row.map((v) => (typeof v === 'bigint' ? String(v) : v))));
  });
}

test('Parquet row groups stay within the memory budget however many partitions are open; files roll at every checkpoint', async () => {
  // 200 partitions × 2,000 rows of a ~100-byte string: ~20 MB of estimated row data. A 1 MiB
  // budget forces row groups out long before a partition's rows are all in.
  const schema: Field[] = [{ name: 'k', type: 'INT' }, { name: 'payload', type: 'STRING' }];
  const { s, root, storage } = await sink({ type: 'parquet' }, schema, ['k'], { bufferLimit: 1 << 20, flushThreshold: 1 << 20 });
  const pad = 'p'.repeat(100);
  for (let b = 0; b < 20; b++) {
    const rows: Row[] = Array.from({ length: 20_000 }, (_, i) => [i % 200, `${pad}${b * 20_000 + i}`]);
    s.writeBatch(rows, rows.length);
    assert.ok(s.bufferedBytes < (1 << 20) + 20_000 * 110, `buffered ${s.bufferedBytes} after batch ${b}`);
    await s.flush();
    assert.ok(s.bufferedBytes < 1 << 20, `after flush: ${s.bufferedBytes}`);
  }
  const first = await s.snapshotState();
  s.writeBatch([[0, 'after the checkpoint']], 1);
  const second = await s.snapshotState();
  await commitAll(storage, [...first.pending, ...second.pending]);
  assert.equal(first.pending.length, 200);
  assert.equal(second.pending.length, 1, 'the checkpoint closed every file: the next row opens a new one');
  const groups = await duckdb(`SELECT count(DISTINCT (file_name, row_group_id)) AS g, max(row_group_num_rows) AS mx FROM parquet_metadata(${lit(`${root}/*/*.parquet`)})`);
  assert.ok(Number(groups[0]!.g) > 200, `row groups: ${groups[0]!.g}`);
  const got = await duckdb(`SELECT count(*) AS n, count(DISTINCT payload) AS u, count(DISTINCT k) AS k FROM read_parquet(${lit(`${root}/*/*.parquet`)}, hive_partitioning = true)`);
  assert.deepEqual(got, [{ n: '400001', u: '400001', k: '200' }]);
});

test('Parquet rolls by size: written bytes plus the estimate of buffered rows', async () => {
  const schema: Field[] = [{ name: 'payload', type: 'STRING' }];
  const { s, storage } = await sink({ type: 'parquet', compression: 'none' }, schema, [], {
    rolling: { fileSize: 100_000, rolloverIntervalMs: 1e9, inactivityIntervalMs: 1e9 }, flushThreshold: 20_000,
  });
  let n = 0;
  for (let b = 0; b < 30; b++) {
    s.writeBatch(Array.from({ length: 100 }, () => [`${'z'.repeat(90)}${n++}`]), 100);
    await s.flush();
  }
  const { pending } = await s.snapshotState();
  await commitAll(storage, pending);
  assert.equal(pending.reduce((a, p) => a + p.records, 0), 3000);
  assert.ok(pending.length >= 2, `${pending.length} files for ~290 KB of estimated rows past a 100,000-byte limit`);
  for (const p of pending) assert.ok(p.file.bytes < 100_000 + 30_000, `${p.file.bytes} bytes`);
});

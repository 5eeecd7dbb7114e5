/**
 * The files source with the lake formats: .gz/.zst inputs (read by name), CSV headers, Parquet
 * with the job's schema; each resumed from a position taken mid-file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import type { Field, Row } from '../../api/types.ts';
import { csvHeaderCheck } from '../../formats/csv-header.ts';
import { createDecoder } from '../../formats/index.ts';
import { createPartFormat } from '../../formats/part-format.ts';
import { LocalStorage } from '../../storage/local/local-storage.ts';
import { FileSplitReader, type FileSourceOptions } from './file-source.ts';

const storage = new LocalStorage();
const split = { index: 0, parallelism: 1 };

async function readAll(reader: FileSplitReader, stopAfter = Infinity): Promise<string[]> {
  const got: string[] = [];
  while (got.length < stopAfter) {
    const b = await reader.poll(Math.min(41, stopAfter - got.length));
    if (b === null) break;
    got.push(...b.values);
  }
  return got;
}

/** Read `root` to the end, stopping (and reopening from the JSON position) after every `step` records. */
async function readResuming(root: string, step: number, options: FileSourceOptions = {}): Promise<string[]> {
  const got: string[] = [];
  let position: unknown;
  for (;;) {
    const r = new FileSplitReader(storage, root, split, options);
    await r.open(position === undefined ? undefined : JSON.parse(JSON.stringify(position)));
    const part = await readAll(r, step);
    position = r.position();
    await r.close();
    got.push(...part);
    if (part.length < step) return got;
  }
}

const LINES = Array.from({ length: 5000 }, (_, i) => `${i},name-${i},${'é'.repeat(i % 7)}`);

test('.gz and .zst inputs are read by name, beside plain ones; a resume mid-file re-decompresses and skips what was read', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-src-gz-'));
  const text = LINES.join('\n') + '\n';
  await writeFile(path.join(dir, 'a.csv.gz'), gzipSync(text));
  await writeFile(path.join(dir, 'b.csv.zst'), zstdCompressSync(text));
  await writeFile(path.join(dir, 'c.csv'), text);
  // gzip members concatenated (what `cat a.gz b.gz` gives) are one input
  await writeFile(path.join(dir, 'd.csv.gz'), Buffer.concat([gzipSync(LINES.slice(0, 10).join('\n') + '\n'), gzipSync(LINES.slice(10, 20).join('\n') + '\n')]));
  const want = [...LINES, ...LINES, ...LINES, ...LINES.slice(0, 20)];
  const r = new FileSplitReader(storage, dir, split);
  await r.open(undefined);
  assert.deepEqual(await readAll(r), want);
  for (const step of [1777, 4999, 5001]) assert.deepEqual(await readResuming(dir, step), want, `resumed every ${step} records`);
  // every record of the concatenated members, one restore each
  assert.deepEqual(await readResuming(path.join(dir, 'd.csv.gz'), 1), LINES.slice(0, 20));
});

test('a truncated compressed input fails naming the file; it is never read as shorter data', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-src-gz-bad-'));
  for (const [name, bytes] of [['x.gz', gzipSync(LINES.join('\n'))], ['y.zst', zstdCompressSync(LINES.join('\n'))]] as const) {
    const file = path.join(dir, name);
    await writeFile(file, bytes.subarray(0, bytes.length - 9));
    const r = new FileSplitReader(storage, file, split);
    await r.open(undefined);
    await assert.rejects(readAll(r), (e: Error) => e.message.includes(`file ${file}: cannot decompress`));
  }
});

test('CSV header: each file\'s first line is checked and skipped, also after a resume; a different name fails naming file and column', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-src-header-'));
  const schema: Field[] = [{ name: 'id', type: 'INT' }, { name: 'full name', type: 'STRING' }];
  const header = csvHeaderCheck({ type: 'csv', header: true }, schema);
  await writeFile(path.join(dir, '1.csv'), 'id,"full name"\n1,a\n2,b\n');
  await writeFile(path.join(dir, '2.csv.gz'), gzipSync('\ufeffid,full name\n3,c\n'));
  await writeFile(path.join(dir, '3.csv'), 'id,"full name"\n');
  const want = ['1,a', '2,b', '3,c'];
  for (const step of [1, 2, 100]) assert.deepEqual(await readResuming(dir, step, { header }), want);

  const bad = path.join(dir, 'bad');
  for (const [content, message] of [
    ['id,name\n1,a\n', "line 1 (format.header): column 2 is 'name', the schema's column 2 is 'full name'"],
    ['id\n1\n', "column 2 'full name' of the schema is missing from the header"],
    ['id,full name,extra\n', "column 3 is 'extra', but the schema has only 2 columns"],
  ] as const) {
    await writeFile(bad, content);
    const r = new FileSplitReader(storage, bad, split, { header });
    await r.open(undefined);
    await assert.rejects(readAll(r), (e: Error) => e.message.startsWith(`file ${bad} `) && e.message.includes(message), content);
  }
});

const PQ_SCHEMA: Field[] = [
  ['t', 'TINYINT'], ['i', 'INT'], ['b', 'BIGINT'], ['f', 'FLOAT'], ['d', 'DOUBLE'], ['d1', 'DECIMAL(5, 2)'], ['d3', 'DECIMAL(38, 10)'],
  ['ok', 'BOOLEAN'], ['s', 'STRING'], ['dt', 'DATE'], ['ts3', 'TIMESTAMP(3)'], ['ts9', 'TIMESTAMP(9)'],
].map(([name, type]) => ({ name: name!, type: type! }));

/** Row n (n >= 0) in RowValue's canonical forms (api/types.ts): nulls, negatives, unicode, extremes. */
function pqRow(n: number): Row {
  if (n % 11 === 5) return PQ_SCHEMA.map(() => null);
  const neg = n % 2 === 0 ? -1 : 1;
  const m = n + 1; // never 0: -0 is not a value a decoder produces
  const trim = (ts: string): string => ts.replace(/0+$/, '').replace(/\.$/, '');
  return [neg * (m % 127 + 1), neg * m, BigInt(neg) * (2n ** 62n + BigInt(m)), 0.5 * m, (neg * m) / 4, `${neg * (m % 999 + 1)}.${String(m % 100).padStart(2, '0')}`,
    `${neg < 0 ? '-' : ''}1234567890123456789012345678.${String(m).padStart(10, '0')}`, m % 3 === 0, `ü-${m}-日本`, '1969-12-31',
    trim(`1960-01-01 00:00:0${m % 10}.${String(m % 1000).padStart(3, '0')}`), trim(`2100-06-30 23:59:59.${String(m).padStart(9, '0')}`)];
}

/** A Parquet file written by the sink's writer: `groups` row groups of `per` rows. */
async function parquetFile(file: string, schema: Field[], rows: (n: number) => Row, groups: number, per: number): Promise<Row[]> {
  const { bulk } = createPartFormat({ type: 'parquet' }, schema, schema.map((_, i) => i));
  const w = bulk!.create();
  const all: Row[] = [];
  const chunks: Uint8Array[] = [];
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < per; k++) {
      const row = rows(g * per + k);
      all.push(row);
      w.addElement(row);
    }
    chunks.push(g === groups - 1 ? w.finish() : w.flush());
  }
  await writeFile(file, Buffer.concat(chunks));
  return all;
}

test('Parquet input: read with the job schema (columns by name, any order in the file), exact values, resumed by row group from any row', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-src-pq-'));
  // the file's columns in reverse order: the source finds them by name
  const fileSchema = [...PQ_SCHEMA].reverse();
  const rows = await parquetFile(path.join(dir, 'a.parquet'), fileSchema, (n) => [...pqRow(n)].reverse(), 4, 60);
  const decoder = createDecoder({ type: 'parquet' }, PQ_SCHEMA);
  const decode = (lines: string[]): Row[] => {
    const out: Row[] = [];
    decoder.decodeBatch(lines, out, (i, e) => assert.fail(`${lines[i]}: ${e.message}`));
    return out;
  };
  const want = rows.map((r) => [...r].reverse());
  const opts = { parquet: PQ_SCHEMA };
  const r = new FileSplitReader(storage, dir, split, opts);
  await r.open(undefined);
  assert.deepEqual(decode(await readAll(r)), want);
  for (const step of [7, 59, 61, 1000]) assert.deepEqual(decode(await readResuming(dir, step, opts)), want, `resumed every ${step} rows`);
});

test('Parquet input: a missing column or one of another type fails naming the file and the column', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-src-pq-bad-'));
  const file = path.join(dir, 'x.parquet');
  await parquetFile(file, [{ name: 'id', type: 'BIGINT' }, { name: 'name', type: 'STRING' }], (n) => [BigInt(n), `n${n}`], 1, 3);
  for (const [schema, message] of [
    [[{ name: 'id', type: 'BIGINT' }, { name: 'city', type: 'STRING' }], "has no column 'city' of the source schema (its columns: id, name)"],
    [[{ name: 'id', type: 'INT' }], "column 'id' is INT64 in the file; the schema says INT"],
    [[{ name: 'name', type: 'DATE' }], "column 'name' is BYTE_ARRAY STRING in the file; the schema says DATE"],
  ] as const) {
    const r = new FileSplitReader(storage, file, split, { parquet: [...schema] });
    await r.open(undefined);
    await assert.rejects(readAll(r), (e: Error) => e.message === `file ${file}: ${message}`, message);
  }
  await writeFile(path.join(dir, 'y.parquet'), (await readFile(file)).subarray(0, 20));
  const r = new FileSplitReader(storage, path.join(dir, 'y.parquet'), split, { parquet: [{ name: 'id', type: 'BIGINT' }] });
  await r.open(undefined);
  await assert.rejects(readAll(r), /y\.parquet: not a readable Parquet file/);
});

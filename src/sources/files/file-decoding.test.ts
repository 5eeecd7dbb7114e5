/** The file source's decoding: invalid UTF-8 flagged per line (positions stay byte-exact), a BOM skipped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStorage } from '../../storage/local/local-storage.ts';
import { FileSplitReader } from './file-source.ts';
import type { RawBatch } from '../types.ts';

const split = { index: 0, parallelism: 1 };

async function withFile(content: Buffer, fn: (file: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-file-decoding-'));
  try {
    const file = path.join(dir, 'in.txt');
    await writeFile(file, content);
    await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every line read, and the lines flagged as not UTF-8 (by line number from 1). */
async function readAll(reader: FileSplitReader, stopAfter = Infinity): Promise<{ values: string[]; bad: Map<number, string> }> {
  const values: string[] = [];
  const bad = new Map<number, string>();
  while (values.length < stopAfter) {
    const b: RawBatch | null = await reader.poll(Math.min(29, stopAfter - values.length));
    if (b === null) break;
    for (const [i, x] of b.invalidUtf8 ?? []) bad.set(values.length + i + 1, `${x.bytes}@${x.byteOffset}`);
    values.push(...b.values);
  }
  return { values, bad };
}

test('lines that are not UTF-8 are flagged, wherever chunks split them; a restore after one resumes at the next line', async () => {
  // long lines cross the 64 KiB chunks, so a bad byte lands in joined heads and in the last line too
  const lines: Buffer[] = [];
  const wantBad = new Map<number, string>();
  for (let i = 0; i < 300; i++) {
    const body = Buffer.from(`${i},${'é日x'.repeat(i % 37 === 0 ? 30_000 : i % 11)}`);
    if (i % 7 === 3) {
      const at = Math.floor(body.length / 2);
      let cut = at;
      while ((body[cut]! & 0xc0) === 0x80) cut++; // a char boundary: the bad byte is the only damage
      lines.push(Buffer.concat([body.subarray(0, cut), Buffer.from([0xff]), body.subarray(cut)]));
      wantBad.set(i + 1, `0xFF@${cut}`);
    } else {
      lines.push(body);
    }
  }
  lines.push(Buffer.concat([Buffer.from('last,'), Buffer.from([0xc3])])); // cut sequence, no newline
  wantBad.set(301, '0xC3@5');
  const content = Buffer.concat(lines.flatMap((l, i) => (i < lines.length - 1 ? [l, Buffer.from('\n')] : [l])));
  await withFile(content, async (file) => {
    const storage = new LocalStorage();
    const all = new FileSplitReader(storage, file, split);
    await all.open(undefined);
    const got = await readAll(all);
    await all.close();
    assert.equal(got.values.length, 301);
    assert.deepEqual([...got.bad].sort((a, b) => a[0] - b[0]), [...wantBad].sort((a, b) => a[0] - b[0]));
    for (let i = 0; i < 301; i++) assert.equal(got.values[i], lines[i]!.toString('utf8'));

    // stop right after each of a few bad lines: the position is the byte after it
    for (const stop of [4, 11, 39, 300]) {
      const r = new FileSplitReader(storage, file, split);
      await r.open(undefined);
      await readAll(r, stop);
      const pos = r.position();
      await r.close();
      const offset = lines.slice(0, stop).reduce((n, l) => n + l.length + 1, 0);
      assert.equal(pos.offset, offset, `after line ${stop}`);
      const resumed = new FileSplitReader(storage, file, split);
      await resumed.open(pos);
      const rest = await readAll(resumed);
      await resumed.close();
      assert.equal(rest.values[0], lines[stop]!.toString('utf8'));
      assert.equal(rest.values.length, 301 - stop);
    }
  });
});

test('a UTF-8 BOM at the start of a file is skipped and counted in the offset; elsewhere it is data', async () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const content = Buffer.concat([bom, Buffer.from('uid,name\n1,a\n'), bom, Buffer.from('2,b\n')]);
  await withFile(content, async (file) => {
    const storage = new LocalStorage();
    const r = new FileSplitReader(storage, file, split);
    await r.open(undefined);
    const first = await readAll(r, 1);
    assert.deepEqual(first.values, ['uid,name']);
    const pos = r.position();
    assert.equal(pos.offset, 3 + 'uid,name\n'.length);
    await r.close();
    const resumed = new FileSplitReader(storage, file, split);
    await resumed.open(pos);
    const rest = await readAll(resumed);
    await resumed.close();
    assert.deepEqual(rest.values, ['1,a', '\uFEFF2,b']);
    assert.equal(rest.bad.size, 0);
  });
  // a file that is only a BOM has no records; a file that is a BOM cut short is one bad record
  await withFile(bom, async (file) => {
    const r = new FileSplitReader(new LocalStorage(), file, split);
    await r.open(undefined);
    assert.deepEqual((await readAll(r)).values, []);
    await r.close();
  });
  await withFile(bom.subarray(0, 2), async (file) => {
    const r = new FileSplitReader(new LocalStorage(), file, split);
    await r.open(undefined);
    const got = await readAll(r);
    assert.equal(got.values.length, 1);
    assert.deepEqual([...got.bad], [[1, '0xEF 0xBB@0']]);
    await r.close();
  });
});

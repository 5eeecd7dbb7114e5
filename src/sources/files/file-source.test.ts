import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStorage } from '../../storage/local/local-storage.ts';
import { FileSplitReader, type FilePosition } from './file-source.ts';

/** Lines of every shape the chunked splitter must survive: empty, multi-byte, longer than a 128 KiB chunk. */
function lines(): string[] {
  const pieces = ['a', 'é', '日本', '🚀', 'xyz,1', ''];
  const out: string[] = [];
  let s = 12345;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
  for (let i = 0; i < 400; i++) {
    const len = i % 97 === 0 ? 140_000 + rnd(200_000) : rnd(3000);
    let line = '';
    while (line.length < len) line += pieces[rnd(pieces.length)];
    out.push(line);
  }
  return out;
}

async function readAll(reader: FileSplitReader, stopAfter = Infinity): Promise<string[]> {
  const got: string[] = [];
  while (got.length < stopAfter) {
    const b = await reader.poll(Math.min(37, stopAfter - got.length));
    if (b === null) break;
    got.push(...b.values);
  }
  return got;
}

test('lines split from chunks are the file lines, whatever their length and encoding; a restore resumes at the next line', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-file-source-'));
  try {
    const want = lines();
    const file = path.join(dir, 'in.txt');
    await writeFile(file, want.join('\n')); // the last line has no newline
    const storage = new LocalStorage();
    const split = { index: 0, parallelism: 1 };

    const all = new FileSplitReader(storage, file, split);
    await all.open(undefined);
    assert.deepEqual(await readAll(all), want);
    await all.close();

    const first = new FileSplitReader(storage, file, split);
    await first.open(undefined);
    const head = await readAll(first, 150);
    const pos: FilePosition = first.position();
    await first.close();
    assert.equal(pos.line, 151);
    assert.equal(pos.offset, Buffer.byteLength(want.slice(0, 150).join('\n')) + 1);
    const rest = new FileSplitReader(storage, file, split);
    await rest.open(pos);
    assert.deepEqual([...head, ...(await readAll(rest))], want);
    await rest.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a batch vouches for no control characters only when its lines hold none (a tab, a CR)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-file-source-'));
  try {
    const storage = new LocalStorage();
    const flags = async (name: string, text: string): Promise<Array<[string[], boolean]>> => {
      const file = path.join(dir, name);
      await writeFile(file, text);
      const r = new FileSplitReader(storage, file, { index: 0, parallelism: 1 });
      await r.open(undefined);
      const out: Array<[string[], boolean]> = [];
      for (let b = await r.poll(1000); b !== null; b = await r.poll(1000)) out.push([b.values, b.noControlChars === true]);
      await r.close();
      return out;
    };
    assert.deepEqual(await flags('clean.jsonl', '{"a": "x"}\n{"a": "é"}\n'), [[['{"a": "x"}', '{"a": "é"}'], true]]);
    assert.deepEqual(await flags('tab.jsonl', '{"a": "x"}\n{"a": "\t"}\n'), [[['{"a": "x"}', '{"a": "\t"}'], false]]);
    assert.deepEqual(await flags('crlf.jsonl', '{"a": "x"}\r\n'), [[['{"a": "x"}\r'], false]]);
    // the last line without a newline, alone in its chunk
    assert.deepEqual(await flags('tail.jsonl', '{"a": "\u0001"}'), [[['{"a": "\u0001"}'], false]]);
    assert.deepEqual(await flags('tail-clean.jsonl', '{"a": 1}'), [[['{"a": 1}'], true]]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parallelism 2 → 3 → 1 mid-read: every line is read exactly once across the runners of all phases', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-file-rescale-'));
  try {
    const want: string[] = [];
    for (let f = 0; f < 7; f++) {
      const lines = Array.from({ length: 150 + 97 * f }, (_, n) => `f${f}-${n}-${'x'.repeat((n * 37) % 900)}`);
      want.push(...lines);
      await writeFile(path.join(dir, `in-${f}.txt`), lines.join('\n') + '\n');
    }
    const storage = new LocalStorage();
    const got: string[] = [];
    /** One phase: runner i of n restores from its own position (if it had one) merged with the others', reads `limit[i]` lines. */
    const phase = async (n: number, before: FilePosition[], limit: number[]): Promise<FilePosition[]> => {
      const after: FilePosition[] = [];
      for (let i = 0; i < n; i++) {
        const reader = new FileSplitReader(storage, dir, { index: i, parallelism: n });
        const positions = [...(i < before.length ? [before[i]!] : []), ...before.filter((_, j) => j !== i)];
        await reader.open(positions.length === 0 ? undefined : reader.mergePositions(positions));
        got.push(...(await readAll(reader, limit[i])));
        after.push(reader.position());
        await reader.close();
      }
      return after;
    };
    const p1 = await phase(2, [], [333, 120]);
    const p2 = await phase(3, p1, [500, 0, 71]);
    await phase(1, p2, [Infinity]);
    assert.equal(got.length, want.length);
    assert.deepEqual([...got].sort(), [...want].sort());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

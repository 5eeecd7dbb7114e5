import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileVersion } from '../../storage/types.ts';
import { checkInputs, mergeFilePositions, resolvePosition } from './file-position.ts';

test('a version 1 position (before rescaling existed) means: my files before `file` are done', () => {
  const own = ['a', 'c', 'e'];
  const all = ['a', 'b', 'c', 'd', 'e'];
  const r = resolvePosition({ file: 'c', offset: 10, line: 3 }, own, all);
  assert.deepEqual([...r.done], ['a']);
  assert.deepEqual([...r.partial], [['c', { offset: 10, line: 3 }]]);
  assert.deepEqual([...resolvePosition({ file: null, offset: 0, line: 1 }, own, all).done], own);
});

test('merge: done by anyone is done; a half-read file resumes at the furthest published offset; vanished files are dropped', () => {
  const merged = mergeFilePositions([
    { version: 2, done: ['a'], partial: { d: { offset: 5, line: 2 } }, file: 'c', offset: 40, line: 4 },
    { version: 2, done: ['b', 'd'], partial: {}, file: 'e', offset: 7, line: 2 },
    { version: 2, done: ['gone'], partial: { c: { offset: 20, line: 3 } }, file: null, offset: 0, line: 1 },
  ]);
  assert.deepEqual(merged, { version: 3, done: ['a', 'b', 'd', 'gone'], partial: { c: { offset: 40, line: 4 }, e: { offset: 7, line: 2 } }, file: null, offset: 0, line: 1, inputs: {} });
  const r = resolvePosition(merged, ['c', 'e'], ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual([...r.done].sort(), ['a', 'b', 'd']);
  assert.deepEqual(Object.fromEntries(r.partial), { c: { offset: 40, line: 4 }, e: { offset: 7, line: 2 } });
});

test('checkInputs: a partly read file that shrank, changed or vanished fails naming it; so does a read file that changed', () => {
  const v: FileVersion = { size: 100, modifiedMs: Date.UTC(2026, 0, 1) };
  const pos = { version: 3 as const, done: ['a'], partial: { b: { offset: 40, line: 5 } }, file: 'c', offset: 10, line: 2, inputs: { a: v, b: v, c: v } };
  const now = (over: Record<string, FileVersion | undefined>) => new Map(Object.entries({ a: v, b: v, c: v, ...over }).filter((e): e is [string, FileVersion] => e[1] !== undefined));
  checkInputs(pos, now({})); // unchanged: fine
  checkInputs(pos, now({ d: { size: 5, modifiedMs: 1 } })); // a file added: fine
  assert.throws(() => checkInputs(pos, now({ c: { size: 4, modifiedMs: Date.UTC(2026, 0, 2) } })),
    /spec.source.files.path: input file c changed after the job read it up to line 2 \(byte 10\): size 100 → 4 bytes, modified 2026-01-01T00:00:00.000Z → 2026-01-02T00:00:00.000Z; put the file back as it was/);
  assert.throws(() => checkInputs(pos, now({ b: { size: 100, modifiedMs: 5 } })), /input file b changed after the job read it up to line 5 \(byte 40\): modified/);
  assert.throws(() => checkInputs(pos, now({ b: undefined })), /input file b was removed after the job read it up to line 5/);
  assert.throws(() => checkInputs(pos, now({ a: { size: 101, modifiedMs: v.modifiedMs } })), /input file a changed after the job read all of it: size 100 → 101 bytes; its new content would never be read/);
  checkInputs(pos, now({ a: undefined })); // a read file removed: nothing to read again
  assert.throws(() => checkInputs({ ...pos, inputs: { ...pos.inputs, b: { ...v, etag: 'x' } } }, now({ b: { ...v, etag: 'y' } })), /ETag x → y/);
  // a version 2 position (no versions): only a file shorter than its position is noticed
  const v2 = { version: 2 as const, done: ['a'], partial: {}, file: 'c', offset: 10, line: 2 };
  checkInputs(v2, now({ c: { size: 50, modifiedMs: 9 } }));
  assert.throws(() => checkInputs(v2, now({ c: { size: 4, modifiedMs: 9 } })), /input file c is 4 bytes, shorter than the 10 bytes the job read of it \(truncated\?\)/);
});

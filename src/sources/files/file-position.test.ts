import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeFilePositions, resolvePosition } from './file-position.ts';

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
  assert.deepEqual(merged, { version: 2, done: ['a', 'b', 'd', 'gone'], partial: { c: { offset: 40, line: 4 }, e: { offset: 7, line: 2 } }, file: null, offset: 0, line: 1 });
  const r = resolvePosition(merged, ['c', 'e'], ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual([...r.done].sort(), ['a', 'b', 'd']);
  assert.deepEqual(Object.fromEntries(r.partial), { c: { offset: 40, line: 4 }, e: { offset: 7, line: 2 } });
});

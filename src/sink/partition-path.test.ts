import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PARTITION_NAME, escapePathName, parsePartitionPath, partitionPath, unescapePathName } from './partition-path.ts';

// Flink 2.x PartitionPathUtils: every char below ' ', then this list (0x01–0x1F repeated there).
const FLINK_ESCAPED = ['"', '#', '%', "'", '*', '/', ':', '=', '?', '\\', '\u007f', '{', '}', '[', ']', '^'];

test('escapes exactly Flink 2.x\'s set, uppercase hex', () => {
  assert.equal(escapePathName('a/b'), 'a%2Fb');
  assert.equal(escapePathName('../../x'), '..%2F..%2Fx');
  assert.equal(escapePathName('"#%\'*/:=?\\{}[]^'), '%22%23%25%27%2A%2F%3A%3D%3F%5C%7B%7D%5B%5D%5E');
  assert.equal(escapePathName('a}b{c}'), 'a%7Db%7Bc%7D');
  assert.equal(escapePathName('tab\there\nnl\u007f\u0001'), 'tab%09here%0Anl%7F%01');
});

test('keeps everything else, non-ASCII and spaces included', () => {
  for (const v of ['plain', 'with space', '中文', 'emoji 😀', 'a-b_c.d', '<>|!@$&()+,;~`']) assert.equal(escapePathName(v), v);
});

test('every ASCII char: escaped if and only if Flink escapes it', () => {
  for (let c = 0; c < 0x80; c++) {
    const ch = String.fromCharCode(c);
    const want = c < 0x20 || FLINK_ESCAPED.includes(ch) ? '%' + c.toString(16).toUpperCase().padStart(2, '0') : ch;
    assert.equal(escapePathName(`x${ch}y`), `x${want}y`, `char 0x${c.toString(16)}`);
  }
});

test('a partition written before `}` was escaped reads back to the same value as one written after', () => {
  // A checkpoint taken by an older version records `tag=a}b`; new rows with that value go to
  // `tag=a%7Db`. The partition-time extractor and the committer read either by its recorded path.
  assert.deepEqual(parsePartitionPath('tag=a}b/dt=2024-01-01'), new Map([['tag', 'a}b'], ['dt', '2024-01-01']]));
  assert.deepEqual(parsePartitionPath(partitionPath(['tag', 'dt'], ['a}b', '2024-01-01'])), parsePartitionPath('tag=a}b/dt=2024-01-01'));
  assert.equal(partitionPath(['tag'], ['a}b']), 'tag=a%7Db');
});

test('null and empty values go to the default partition', () => {
  assert.equal(partitionPath(['pid'], [null]), `pid=${DEFAULT_PARTITION_NAME}`);
  assert.equal(partitionPath(['pid'], ['']), `pid=${DEFAULT_PARTITION_NAME}`);
  assert.equal(partitionPath(['dt', 'hour'], ['2024-01-01', 7]), 'dt=2024-01-01/hour=7');
});

test('a hostile value never yields a path segment of its own', () => {
  for (const v of ['../../etc', '/abs', 'a/b', '..', '.', 'x/../../y']) {
    const p = partitionPath(['k'], [v]);
    assert.equal(p.split('/').length, 1, p);
    assert.ok(p.startsWith('k='));
  }
});

test('round trip through parsePartitionPath', () => {
  const vals = ['a/b', '50%', null, '中=文'];
  const keys = ['k1', 'k2', 'k3', 'k4'];
  const parsed = parsePartitionPath(partitionPath(keys, vals));
  assert.deepEqual([...parsed.values()], vals);
  assert.equal(unescapePathName('%2F%3D'), '/=');
});

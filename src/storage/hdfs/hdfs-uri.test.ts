import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileNamenodes, normalizeHdfsPath, resolveHdfsUri } from './hdfs-uri.ts';
import { StorageError } from '../errors.ts';

const nn = compileNamenodes({ 'nn:8020': 'http://nn-http:9870', 'NN2:8020': 'nn2:9871', secure: 'https://s:9871' });

test('hdfs:// maps its RPC authority through spec.storage.hdfs.namenodes', () => {
  assert.deepEqual(resolveHdfsUri('hdfs://nn:8020/data/words.txt', nn), { root: 'hdfs://nn:8020', httpBase: 'http://nn-http:9870', path: '/data/words.txt' });
  assert.equal(resolveHdfsUri('hdfs://nn2:8020/x', nn).httpBase, 'http://nn2:9871', 'host:port values mean http, keys are case-insensitive');
  assert.equal(resolveHdfsUri('hdfs://nn/x', nn).httpBase, 'http://nn-http:9870', 'no port = default RPC port 8020');
  assert.equal(resolveHdfsUri('hdfs://secure/x', nn).httpBase, 'https://s:9871');
});

test('webhdfs:// and swebhdfs:// are the HTTP address itself', () => {
  assert.deepEqual(resolveHdfsUri('webhdfs://127.0.0.1:19870/a/b/', nn), { root: 'webhdfs://127.0.0.1:19870', httpBase: 'http://127.0.0.1:19870', path: '/a/b' });
  assert.equal(resolveHdfsUri('swebhdfs://h:9871/a', nn).httpBase, 'https://h:9871');
});

test('an unmapped hdfs:// authority is an error naming the field', () => {
  assert.throws(() => resolveHdfsUri('hdfs://other:8020/x', nn), (e: unknown) => {
    assert.ok(e instanceof StorageError);
    assert.match(e.message, /^no WebHDFS address for hdfs:\/\/other:8020 \(in hdfs:\/\/other:8020\/x\): add "other:8020": .* to spec\.storage\.hdfs\.namenodes/);
    return true;
  });
  assert.throws(() => resolveHdfsUri('s3://b/x', nn), /not an hdfs:\/\/, webhdfs:\/\/ or swebhdfs:\/\/ URI/);
});

test('bad mapping values name the entry', () => {
  assert.throws(() => compileNamenodes({ 'nn:8020': 'ftp://x' }), /spec\.storage\.hdfs\.namenodes\["nn:8020"\]: "ftp:\/\/x" must be http\(s\):\/\/host:port/);
  assert.throws(() => compileNamenodes({ 'nn:8020': 'http://x:1/path' }), /with no path/);
});

test('paths are normalised and cannot climb above the root; % stays literal', () => {
  assert.equal(normalizeHdfsPath('/a//b/./c/'), '/a/b/c');
  assert.equal(normalizeHdfsPath('/a/../../etc'), '/etc');
  assert.equal(normalizeHdfsPath(''), '/');
  assert.equal(resolveHdfsUri('webhdfs://h:1/t/k=a%3Ab', nn).path, '/t/k=a%3Ab');
});

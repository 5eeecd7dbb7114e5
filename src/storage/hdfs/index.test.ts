import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHdfsStorage, DELEGATION_TOKEN_KEY } from './index.ts';

test('createHdfsStorage reads the delegation token from its Secret and names the field when missing', async () => {
  const asked: string[] = [];
  const s = createHdfsStorage({ namenodes: { 'nn:8020': 'nn:9870' }, delegationTokenSecret: 'hdfs-token' }, {
    secret: (name, key) => {
      asked.push(`${name}/${key}`);
      return 'TOKEN';
    },
  });
  assert.deepEqual(asked, [`hdfs-token/${DELEGATION_TOKEN_KEY}`]);
  assert.equal(s.locate('hdfs://nn:8020/x').client.baseUrl, 'http://nn:9870');
  assert.throws(
    () => createHdfsStorage({ delegationTokenSecret: 'gone' }, { secret: () => undefined }),
    /^StorageError: spec\.storage\.hdfs\.delegationTokenSecret: Secret "gone" has no key "token"$/,
  );
  await s.close();
});

test('createHdfsStorage without a spec resolves webhdfs:// only', () => {
  const s = createHdfsStorage(undefined);
  assert.equal(s.locate('webhdfs://h:9870/x').loc.path, '/x');
  assert.throws(() => s.locate('hdfs://h:8020/x'), /spec\.storage\.hdfs\.namenodes/);
});

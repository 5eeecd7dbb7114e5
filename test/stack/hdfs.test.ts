/**
 * The HDFS stack service against itself: up (idempotent), a file written and read back over
 * WebHDFS with plain fetch (both redirect steps), down. If a cluster was already running
 * before the test, it is started again at the end so a developer's session is left as found.
 */
import { request } from 'node:http';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import hdfs, { hdfsPorts, webhdfsAnswers } from './services/hdfs.ts';

test('hdfs service: up, write and read over WebHDFS, down', { timeout: 600_000 }, async () => {
  const wasRunning = (await hdfs.status()) !== null;
  const t0 = Date.now();
  const env = await hdfs.up();
  const startMs = Date.now() - t0;
  process.stderr.write(`# hdfs up took ${startMs} ms (already running: ${wasRunning})\n`);
  assert.equal(env.HDFS_WEBHDFS, `http://127.0.0.1:${hdfsPorts().http}`);
  assert.equal(env.HDFS_NAMENODE, `hdfs://127.0.0.1:${hdfsPorts().rpc}`);
  assert.deepEqual(await hdfs.up(), env, 'up is idempotent');
  assert.deepEqual(await hdfs.status(), env);

  const file = `${env.HDFS_WEBHDFS}/webhdfs/v1/stack-test/${Date.now()}/hello.txt`;
  // Step 1: the NameNode redirects to a DataNode, which must be reachable as 127.0.0.1.
  const nn = await fetch(`${file}?op=CREATE&overwrite=false&user.name=sluice`, { method: 'PUT', redirect: 'manual' });
  assert.equal(nn.status, 307);
  const location = new URL(nn.headers.get('location') ?? '');
  assert.equal(location.hostname, '127.0.0.1');
  // Step 2 with node:http: the DataNode sends an unsolicited "100 Continue" that fetch rejects.
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(location, { method: 'PUT' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('hello hdfs\n');
  });
  assert.equal(status, 201);

  const read = await fetch(`${file}?op=OPEN&user.name=sluice`); // fetch follows the redirect
  assert.equal(read.status, 200);
  assert.equal(await read.text(), 'hello hdfs\n');
  const st = (await (await fetch(`${file}?op=GETFILESTATUS&user.name=sluice`)).json()) as { FileStatus: { length: number; type: string } };
  assert.deepEqual([st.FileStatus.type, st.FileStatus.length], ['FILE', 11]);

  await hdfs.down();
  assert.equal(await hdfs.status(), null);
  assert.equal(await webhdfsAnswers(), false, 'WebHDFS still answers after down');
  await hdfs.down(); // no error when not running

  if (wasRunning) await hdfs.up();
});

/**
 * Why the DataNode step of CREATE/APPEND uses node:http (src/storage/hdfs/datanode-upload.ts):
 * the DataNode answers with an unsolicited `100 Continue` before `201 Created`, and Node's
 * fetch (undici) destroys the socket on a 100 it did not ask for.
 *
 * The first test ASSERTS THAT DEFECT: it fails the day undici accepts the DataNode's answer,
 * which is the signal that fetch could be used for uploads too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uploadToDataNode } from '../../src/storage/hdfs/datanode-upload.ts';
import { freshDir, useHdfs } from './cluster.ts';

const fixture = useHdfs();

async function dataNodeLocation(path: string): Promise<URL> {
  const res = await fetch(`${fixture.webhdfs}/webhdfs/v1${path}?op=CREATE&overwrite=false&user.name=sluice`, { method: 'PUT', redirect: 'manual' });
  await res.body?.cancel();
  assert.equal(res.status, 307);
  return new URL(res.headers.get('location') ?? '');
}

test('fetch cannot PUT to a DataNode: unsolicited "100 Continue" → SocketError "bad response"', async () => {
  const location = await dataNodeLocation(`${freshDir('fetch-100')}/f`);
  await assert.rejects(fetch(location, { method: 'PUT', body: 'data' }), (e: unknown) => {
    assert.ok(e instanceof TypeError, 'undici now accepts the DataNode answer: uploads could use fetch');
    const cause = e.cause as { code?: string; message?: string };
    assert.equal(cause.code, 'UND_ERR_SOCKET');
    assert.equal(cause.message, 'bad response');
    return true;
  });
});

test('node:http PUT to the same DataNode succeeds (201, file has the bytes)', async () => {
  const path = `${freshDir('http-100')}/f`;
  const res = await uploadToDataNode(await dataNodeLocation(path), 'PUT', Buffer.from('data'), AbortSignal.timeout(30_000));
  assert.equal(res.status, 201);
  const read = await fetch(`${fixture.webhdfs}/webhdfs/v1${path}?op=OPEN&user.name=sluice`);
  assert.equal(await read.text(), 'data');
});

/**
 * Evidence for docs/decisions/0001-webhdfs-client.md: the `webhdfs` npm package (1.2.0, last
 * release 2018, built on the deprecated `request`) against a real HDFS.
 *
 * These tests ASSERT THE DEFECTS. Each one fails the day the package is fixed: that is the
 * signal to revisit the decision, not to "fix" the test. Beside each defect, the same
 * operation through our WebHdfsClient shows the behaviour Sluice needs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { WebHdfsClient } from '../../src/storage/hdfs/webhdfs-client.ts';
import { WebHdfsError } from '../../src/storage/hdfs/webhdfs-error.ts';
import { freshDir, useHdfs } from './cluster.ts';

type Callback = (err: Error | null | undefined) => void;
/** The part of the package's (untyped) API these tests call. */
interface WebHdfsPackageClient {
  writeFile(path: string, data: Buffer, opts: Record<string, unknown>, cb: Callback): unknown;
  rename(path: string, destination: string, cb: Callback): unknown;
  unlink(path: string, recursive: boolean, cb: Callback): unknown;
  [method: string]: unknown;
}
interface WebHdfsPackage {
  createClient(opts: { host: string; port: number; path: string; user: string }): WebHdfsPackageClient;
}

const require = createRequire(import.meta.url);
const fixture = useHdfs();
const port = Number(new URL(fixture.webhdfs).port);

function pkg(): WebHdfsPackageClient {
  return (require('webhdfs') as WebHdfsPackage).createClient({ host: '127.0.0.1', port, path: '/webhdfs/v1', user: 'sluice' });
}

/** Run a callback-style call; resolve with the error it reported (null for "success"). */
function outcome(call: (cb: Callback) => unknown): Promise<Error | null> {
  return new Promise((resolve) => {
    call((err) => resolve(err ?? null));
  });
}

const ours = (): WebHdfsClient => new WebHdfsClient({ baseUrl: fixture.webhdfs, user: 'sluice' });

test('webhdfs package: RENAME of a missing source reports success ({"boolean": false} ignored)', async () => {
  const dir = freshDir('pkg-rename-missing');
  const err = await outcome((cb) => pkg().rename(`${dir}/missing`, `${dir}/target`, cb));
  assert.equal(err, null, 'the package now reports a failed rename: revisit decision 0001');
  assert.equal(await ours().statOrNull(`${dir}/target`), null, 'nothing was renamed');
  assert.equal(await ours().rename(`${dir}/missing`, `${dir}/target`), false, 'our client returns the boolean');
});

test('webhdfs package: RENAME onto an existing file reports success, and nothing moved', async () => {
  const dir = freshDir('pkg-rename-exists');
  const c = ours();
  await c.create(`${dir}/a`, Buffer.from('committed'));
  await c.create(`${dir}/b`, Buffer.from('pending'));
  const err = await outcome((cb) => pkg().rename(`${dir}/b`, `${dir}/a`, cb));
  assert.equal(err, null, 'the package now reports a failed rename: revisit decision 0001');
  assert.equal(Buffer.from(await c.readAll(`${dir}/a`)).toString(), 'committed', 'target unchanged');
  assert.notEqual(await c.statOrNull(`${dir}/b`), null, 'source still there');
  assert.equal(await c.rename(`${dir}/b`, `${dir}/a`), false);
});

test('webhdfs package: DELETE of a missing path reports success (cannot tell "deleted" from "absent")', async () => {
  const dir = freshDir('pkg-delete');
  const err = await outcome((cb) => pkg().unlink(`${dir}/missing`, false, cb));
  assert.equal(err, null);
  assert.equal(await ours().delete(`${dir}/missing`), false, 'our client returns the boolean');
});

test('webhdfs package: errors lose the RemoteException class (FileAlreadyExistsException is a bare Error)', async () => {
  const dir = freshDir('pkg-exists');
  await ours().create(`${dir}/a`, Buffer.from('first'));
  const err = await outcome((cb) => pkg().writeFile(`${dir}/a`, Buffer.from('second'), { overwrite: false }, cb));
  assert.ok(err instanceof Error, 'create-if-absent on an existing file must fail');
  assert.equal(err.name, 'Error');
  assert.deepEqual(Object.keys(err), [], 'no exception class, status or path on the error');
  assert.doesNotMatch(err.message, /FileAlreadyExistsException/, 'the class is only guessable from prose');
  await assert.rejects(ours().create(`${dir}/a`, Buffer.from('second'), { overwrite: false }), (e: unknown) => {
    assert.ok(e instanceof WebHdfsError);
    assert.equal(e.exception, 'FileAlreadyExistsException');
    assert.equal(e.javaClassName, 'org.apache.hadoop.fs.FileAlreadyExistsException');
    assert.equal(e.op, 'CREATE');
    assert.match(e.message, new RegExp(`^WebHDFS CREATE ${dir}/a: FileAlreadyExistsException: `));
    assert.doesNotMatch(e.message, /\n\tat /, 'no Java stack trace in the message');
    return true;
  });
});

test('webhdfs package: a Hive-escaped partition path (k=a%3Ab) is not URL-encoded and cannot be written', async () => {
  const dir = freshDir('pkg-escape');
  const err = await outcome((cb) => pkg().writeFile(`${dir}/k=a%3Ab/part-0`, Buffer.from('x'), {}, cb));
  assert.ok(err instanceof Error, 'the package now encodes paths: revisit decision 0001');
  assert.match(err.message, /Invalid path name .*k=a:b/, 'the server decoded %3A to ":"');
  const c = ours();
  await c.create(`${dir}/k=a%3Ab/part-0`, Buffer.from('x'));
  assert.deepEqual((await c.listStatus(dir)).map((s) => s.pathSuffix), ['k=a%3Ab']);
});

test('webhdfs package: no TRUNCATE, no batched listing, and a delegation token option is silently dropped', () => {
  const client = pkg();
  for (const m of ['truncate', 'listStatusBatch']) {
    assert.equal(typeof client[m], 'undefined', `the package now has ${m}: revisit decision 0001`);
  }
  const withToken = (require('webhdfs') as { createClient(o: Record<string, unknown>): { _getOperationEndpoint(op: string, p: string, params?: object): string } })
    .createClient({ host: '127.0.0.1', port, path: '/webhdfs/v1', user: 'sluice', delegation: 'TOKEN' });
  const url = withToken._getOperationEndpoint('open', '/x');
  assert.doesNotMatch(url, /delegation=/, 'the package now sends delegation tokens: revisit decision 0001');
  const c = ours();
  assert.equal(typeof c.truncate, 'function');
  assert.equal(typeof c.listStatusBatches, 'function');
});

/**
 * WebHdfsClient behaviours that a real cluster will not show on demand: retry policy per
 * operation, authentication parameters, resuming a stream cut mid-body. A scripted HTTP
 * server on 127.0.0.1 plays NameNode and DataNode. (Against a real HDFS: test/hdfs/.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebHdfsClient, encodeHdfsPath } from './webhdfs-client.ts';
import { WebHdfsError } from './webhdfs-error.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

async function serve(handler: Handler): Promise<{ base: string; seen: URL[]; server: Server }> {
  const seen: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push(url);
    handler(req, res, url);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const remote = (exception: string, javaClassName = `org.apache.hadoop.${exception}`) => ({
  RemoteException: { exception, javaClassName, message: `${exception} happened\n\tat some.Java(Frame.java:1)` },
});

const fast = { retries: 3, initialDelayMs: 1, maxDelayMs: 5 };

test('user.name by default; delegation token replaces it and never appears in errors', async (t) => {
  const { base, seen, server } = await serve((_req, res) => json(res, 404, remote('FileNotFoundException', 'java.io.FileNotFoundException')));
  t.after(() => server.close());
  await new WebHdfsClient({ baseUrl: base, user: 'alice', retry: fast }).statOrNull('/a');
  assert.equal(seen[0].searchParams.get('user.name'), 'alice');
  assert.equal(seen[0].searchParams.get('delegation'), null);

  const c = new WebHdfsClient({ baseUrl: base, user: 'alice', delegation: 'SECRET-TOKEN', retry: fast });
  await assert.rejects(c.getFileStatus('/a'), (e: unknown) => {
    assert.ok(e instanceof WebHdfsError);
    assert.equal(e.exception, 'FileNotFoundException');
    assert.equal(e.message, 'WebHDFS GETFILESTATUS /a: FileNotFoundException: FileNotFoundException happened');
    assert.doesNotMatch(e.message + String(e.stack), /SECRET-TOKEN/);
    return true;
  });
  assert.equal(seen.length, 2, 'FileNotFoundException is not retried');
  assert.equal(seen[1].searchParams.get('delegation'), 'SECRET-TOKEN');
  assert.equal(seen[1].searchParams.get('user.name'), null, 'Hadoop rejects both at once');
});

test('idempotent ops retry 5xx and StandbyException; the last error is kept when tries run out', async (t) => {
  let n = 0;
  let always503 = false;
  const { base, server } = await serve((_req, res) => {
    n++;
    if (always503 || n === 1) json(res, 503, {});
    else if (n === 2) json(res, 403, remote('StandbyException', 'org.apache.hadoop.ipc.StandbyException'));
    else json(res, 200, { boolean: true });
  });
  t.after(() => server.close());
  const c = new WebHdfsClient({ baseUrl: base, retry: fast });
  assert.equal(await c.mkdirs('/d'), true);
  assert.equal(n, 3);

  n = 0;
  always503 = true;
  await assert.rejects(new WebHdfsClient({ baseUrl: base, retry: { ...fast, retries: 2 } }).mkdirs('/d'), (e: unknown) => {
    assert.ok(e instanceof WebHdfsError);
    assert.equal(e.status, 503);
    assert.equal(e.retriable, true);
    return true;
  });
  assert.equal(n, 3, 'first try + 2 retries');
});

test('RENAME (not idempotent) is not retried on 5xx, but is on StandbyException (refused before acting)', async (t) => {
  let status = 500;
  let calls = 0;
  const { base, server } = await serve((_req, res) => {
    calls++;
    if (calls === 1) json(res, status, status === 500 ? remote('IOException', 'java.io.IOException') : remote('StandbyException'));
    else json(res, 200, { boolean: false });
  });
  t.after(() => server.close());
  const c = new WebHdfsClient({ baseUrl: base, retry: fast });
  await assert.rejects(c.rename('/a', '/b'), (e: unknown) => e instanceof WebHdfsError && e.status === 500 && e.exception === 'IOException');
  assert.equal(calls, 1, 'a 500 may have renamed: not repeated');

  calls = 0;
  status = 403;
  assert.equal(await c.rename('/a', '/b'), false, 'retried after StandbyException, and the boolean comes back');
  assert.equal(calls, 2);
});

test('RENAME/DELETE/MKDIRS return the boolean; an answer without one is an error', async (t) => {
  const { base, server } = await serve((_req, res, url) => {
    if (url.searchParams.get('op') === 'MKDIRS') json(res, 200, {});
    else json(res, 200, { boolean: false });
  });
  t.after(() => server.close());
  const c = new WebHdfsClient({ baseUrl: base, retry: fast });
  assert.equal(await c.rename('/a', '/b'), false);
  assert.equal(await c.delete('/a'), false);
  await assert.rejects(c.mkdirs('/a'), /WebHDFS MKDIRS \/a: answer has no boolean/);
});

test('connection refused is retried even for APPEND (nothing reached a server)', async () => {
  const { base, server } = await serve(() => {});
  await new Promise((r) => server.close(r));
  const c = new WebHdfsClient({ baseUrl: base, retry: { ...fast, retries: 2 } });
  const t0 = Date.now();
  await assert.rejects(c.append('/a', Buffer.from('x')), (e: unknown) => {
    assert.ok(e instanceof WebHdfsError);
    assert.equal(e.status, 0);
    assert.match(e.message, /^WebHDFS APPEND \/a: no answer from 127\.0\.0\.1:\d+: connection refused \(nothing listens there\) \(ECONNREFUSED\)$/);
    return true;
  });
  assert.ok(Date.now() - t0 < 5000);
});

test('CREATE: NameNode redirect, then the data goes to the DataNode Location', async (t) => {
  const bodies: string[] = [];
  let base = '';
  const { base: b, seen, server } = await serve((req, res, url) => {
    if (url.pathname.startsWith('/webhdfs/')) {
      res.writeHead(307, { location: `${base}/dn${url.pathname}?${url.searchParams}` });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString());
      res.writeHead(201);
      res.end();
    });
  });
  base = b;
  t.after(() => server.close());
  await new WebHdfsClient({ baseUrl: base, retry: fast }).create('/dir/k=a%3Ab/f', Buffer.from('payload'), { overwrite: false });
  assert.equal(seen[0].pathname, '/webhdfs/v1/dir/k%3Da%253Ab/f', 'each segment encoded; "%" kept literal');
  assert.equal(seen[0].searchParams.get('overwrite'), 'false');
  assert.equal(seen[1].pathname, '/dn/webhdfs/v1/dir/k%3Da%253Ab/f');
  assert.deepEqual(bodies, ['payload']);
});

test('OPEN streams and resumes at the next unread byte when the connection drops mid-body', async (t) => {
  const file = Buffer.alloc(300_000);
  for (let i = 0; i < file.length; i++) file[i] = i % 251;
  const offsets: number[] = [];
  let base = '';
  const { base: b, server } = await serve((_req, res, url) => {
    if (url.pathname.startsWith('/webhdfs/')) {
      res.writeHead(307, { location: `${base}/dn?${url.searchParams}` });
      res.end();
      return;
    }
    const offset = Number(url.searchParams.get('offset') ?? 0);
    offsets.push(offset);
    const rest = file.subarray(offset);
    res.writeHead(200, { 'content-length': String(rest.length) });
    if (offsets.length === 1) {
      // First answer: send part of the body, then cut the connection.
      res.write(rest.subarray(0, 100_000), () => res.destroy());
    } else {
      res.end(rest);
    }
  });
  base = b;
  t.after(() => server.close());
  const got: Buffer[] = [];
  for await (const c of new WebHdfsClient({ baseUrl: base, retry: fast }).open('/f', { offset: 0 })) got.push(Buffer.from(c));
  assert.ok(Buffer.concat(got).equals(file), 'every byte exactly once');
  assert.equal(offsets.length, 2);
  assert.equal(offsets[1], Buffer.concat(got).length - (file.length - offsets[1]));
  assert.ok(offsets[1] > 0 && offsets[1] <= 100_000, `resumed at ${offsets[1]}`);
});

test('OPEN: a DataNode that stops sending mid-body is abandoned after requestTimeoutMs and the read resumes', async (t) => {
  const file = Buffer.from('0123456789abcdefghij');
  const offsets: number[] = [];
  let base = '';
  const { base: b, server } = await serve((_req, res, url) => {
    if (url.pathname.startsWith('/webhdfs/')) {
      res.writeHead(307, { location: `${base}/dn?${url.searchParams}` });
      res.end();
      return;
    }
    const offset = Number(url.searchParams.get('offset') ?? 0);
    offsets.push(offset);
    res.writeHead(200, { 'content-length': String(file.length - offset) });
    if (offsets.length === 1) res.write(file.subarray(offset, 10)); // then silence
    else res.end(file.subarray(offset));
  });
  base = b;
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const got: Buffer[] = [];
  const c = new WebHdfsClient({ baseUrl: base, retry: fast, requestTimeoutMs: 300 });
  for await (const chunk of c.open('/f')) got.push(Buffer.from(chunk));
  assert.equal(Buffer.concat(got).toString(), file.toString());
  assert.deepEqual(offsets, [0, 10]);
});

test('encodeHdfsPath refuses relative paths', () => {
  assert.throws(() => encodeHdfsPath('a/b'), /HDFS path must be absolute: a\/b/);
});

/**
 * Send a request body to a DataNode with node:http, not fetch.
 *
 * Why: the DataNode's WebHDFS handler (Netty) answers every CREATE/APPEND with an unsolicited
 * `HTTP/1.1 100 Continue` before the real `201`/`200`. undici (Node's fetch) treats a 100 it
 * did not ask for as a protocol error and destroys the socket ("SocketError: bad response",
 * shown by test/hdfs/fetch-100-continue.test.ts), while node:http skips 1xx answers as HTTP
 * requires. The answer is returned as a standard Response so the client handles both alike.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A request body: one byte array, or several sent in order (no copy into one). */
export type UploadBody = Uint8Array | readonly Uint8Array[];

export function uploadToDataNode(url: URL, method: 'PUT' | 'POST', body: UploadBody, signal: AbortSignal): Promise<Response> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const chunks: readonly Uint8Array[] = body instanceof Uint8Array ? [body] : body;
  const length = chunks.reduce((n, c) => n + c.length, 0);
  return new Promise<Response>((resolve, reject) => {
    const req = request(url, {
      method,
      signal,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (typeof v === 'string') headers.set(k, v);
          else if (Array.isArray(v)) for (const one of v) headers.append(k, one);
        }
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 599) {
          reject(Object.assign(new Error(`DataNode answered HTTP ${status}`), { code: 'EBADSTATUS' }));
          return;
        }
        resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers }));
      });
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

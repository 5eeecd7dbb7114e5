/**
 * Content-MD5 of a part, computed off the main thread.
 *
 * MD5 runs at ~0.7 GB/s: hashing every uploaded byte on the runner's one thread cost ~13% of a
 * 300 MB OSS bench run (CPU profile), time the pipeline could spend encoding. Parts in shared
 * memory (see part-buffers.ts) are hashed by one lazily started worker thread, which reads the
 * bytes in place: nothing is copied or transferred. Small parts (the usual tail) and parts not
 * in shared memory are hashed inline, as is everything once the worker has failed.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Below this, hashing inline is cheaper than a trip to the worker. */
const INLINE_BELOW = 1 << 20;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, buffer, offset, length }) => {
  parentPort.postMessage({ id, md5: createHash('md5').update(new Uint8Array(buffer, offset, length)).digest('base64') });
});`;

interface Waiting { resolve: (md5: string) => void; reject: (e: unknown) => void }

let worker: Worker | null = null;
let broken = false;
let nextId = 0;
const waiting = new Map<number, Waiting>();

function failAll(e: unknown): void {
  broken = true;
  worker = null;
  for (const w of waiting.values()) w.reject(e);
  waiting.clear();
}

function hashWorker(): Worker {
  if (worker !== null) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true, name: 'sluice-content-md5' });
  w.on('message', (r: { id: number; md5: string }) => {
    const entry = waiting.get(r.id);
    waiting.delete(r.id);
    if (waiting.size === 0) w.unref(); // never keeps the process alive while idle
    entry?.resolve(r.md5);
  });
  w.on('error', failAll);
  w.on('exit', (code) => failAll(new Error(`content-md5 worker exited with code ${code}`)));
  worker = w;
  return w;
}

const inline = (data: Uint8Array): string => createHash('md5').update(data).digest('base64');

/** Base64 MD5 of `data` (for the Content-MD5 header). `data` must not change until this resolves. */
export async function contentMd5(data: Uint8Array): Promise<string> {
  if (broken || data.length < INLINE_BELOW || !(data.buffer instanceof SharedArrayBuffer)) return inline(data);
  const id = nextId++;
  const w = hashWorker();
  const md5 = new Promise<string>((resolve, reject) => waiting.set(id, { resolve, reject }));
  w.ref();
  w.postMessage({ id, buffer: data.buffer, offset: data.byteOffset, length: data.length });
  try {
    return await md5;
  } catch {
    return inline(data); // the worker died: the bytes are still here
  }
}

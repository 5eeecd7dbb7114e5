/**
 * Memory for OSS parts, reused across parts and part files of the process.
 *
 * Each part is assembled in one buffer of the writer's part size (the only copy its bytes make
 * in the writer). A fresh multi-MB buffer per part made V8 run a full GC every ~150 ms on the
 * bench (external memory growth, `--trace-gc`); reused buffers do not. They live in shared
 * memory so the Content-MD5 worker can read them in place (content-md5.ts).
 *
 * A buffer goes back only after its part was uploaded: a failed upload's request may still be
 * reading it, so it is left to the GC. At most SPARE_MAX idle buffers are kept.
 */
const SPARE_MAX = 6;
const spare = new Map<number, Buffer[]>();

/** A buffer of exactly `size` bytes (contents undefined). */
export function borrowPartBuffer(size: number): Buffer {
  return spare.get(size)?.pop() ?? Buffer.from(new SharedArrayBuffer(size));
}

/** Give back a buffer from borrowPartBuffer whose bytes nothing reads any more. */
export function returnPartBuffer(buf: Buffer): void {
  let list = spare.get(buf.length);
  if (list === undefined) spare.set(buf.length, (list = []));
  let idle = 0;
  for (const l of spare.values()) idle += l.length;
  if (idle < SPARE_MAX) list.push(buf);
}

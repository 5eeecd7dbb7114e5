/**
 * The storage benches' input: `{"uid": u, "payload": "<width chars>"}` JSON lines, in two
 * shapes (BENCH_STORAGE_SHAPES, `records x width` pairs):
 * - 300,000 rows with a 1,000-char payload (~1 KB a CSV line, 300 MB): a data-lake event. The
 *   pipeline's own ceiling (the local run) is well above the raw upload rate, so the upload is
 *   what it waits on and the ratio measures the storage path.
 * - 3,000,000 rows with a 64-char payload (~70 bytes, 210 MB): per-record work dominates; on
 *   this 2-core machine the pipeline's local ceiling is below the raw rate, so this ratio
 *   measures the pipeline's CPU beside a server that shares it.
 * Cached under .cache/bench/ by record count and width.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { once } from 'node:events';
import * as path from 'node:path';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export interface RowShape {
  records: number;
  /** Payload characters per row. */
  width: number;
}

export function storageShapes(): RowShape[] {
  const spec = process.env.BENCH_STORAGE_SHAPES ?? '300000x1000,3000000x64';
  return spec.split(',').map((p) => {
    const [records, width] = p.split('x').map(Number);
    if (!(records! > 0 && width! > 0)) throw new Error(`BENCH_STORAGE_SHAPES: ${p} is not <records>x<width>`);
    return { records: records!, width: width! };
  });
}

export const shapeLabel = (s: RowShape): string => `${s.records.toLocaleString('en-US')} rows, ${s.width}-char payload`;

export async function payloadInput(dir: string, n: number, width: number): Promise<string> {
  const file = path.join(dir, `payload-${n}${width === 64 ? '' : `-w${width}`}.jsonl`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(`${file}.tmp`);
  let s = 0x2545f491;
  let chunk = '';
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    const r = s >>> 0;
    // chars that vary per record (a rotated alphabet), so nothing downstream can dedupe them
    const k = r % 62;
    const payload = (ALPHABET.slice(k) + ALPHABET.slice(0, k)).repeat(Math.ceil(width / 62) + 1).slice(0, width);
    chunk += `{"uid": ${r % 101}, "payload": "${payload}"}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  await rename(`${file}.tmp`, file);
  return file;
}

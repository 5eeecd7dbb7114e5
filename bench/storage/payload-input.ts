/**
 * The storage benches' input: `{"uid": u, "payload": "<64 chars>"}` JSON lines. The payload
 * makes the output big enough (~70 bytes a CSV line, ~200 MB for 3,000,000 records) that the
 * upload, not the JSON parse, is what the pipeline waits on, so its rate can be set beside the
 * raw client's upload rate. Cached under .cache/bench/ by record count.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { once } from 'node:events';
import * as path from 'node:path';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export async function payloadInput(dir: string, n: number): Promise<string> {
  const file = path.join(dir, `payload-${n}.jsonl`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(`${file}.tmp`);
  let s = 0x2545f491;
  let chunk = '';
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    const r = s >>> 0;
    // 64 chars that vary per record (a rotated alphabet), so nothing downstream can dedupe them.
    const k = r % 62;
    const payload = (ALPHABET.slice(k) + ALPHABET.slice(0, k) + ALPHABET).slice(0, 64);
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

/**
 * The `{"uid": n}` JSON-lines input of the local, formats and partitions sections: `n` records
 * with uid in 0..range-1 from a fixed xorshift32 sequence, so every run reads the same bytes.
 * The local and formats sections use range 101 (the seed's shape); the partitions section a range
 * wide enough that MOD(uid, N) takes every value up to N = 100,000. Written once to
 * `.cache/bench/` (per count and range) and reused.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { once } from 'node:events';
import * as path from 'node:path';

export async function uidInput(dir: string, n: number, range = 101): Promise<string> {
  const file = path.join(dir, range === 101 ? `uids-${n}.jsonl` : `uids-${n}-r${range}.jsonl`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(file + '.tmp');
  let s = 0x2545f491;
  let chunk = '';
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    chunk += `{"uid": ${(s >>> 0) % range}}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  await rename(file + '.tmp', file);
  return file;
}

/**
 * The input every crash test ingests: JSON lines `{"seq": i, "uid": u, "pad": "..."}` with
 * seq = 0..n-1 exactly once, so the output can be checked record by record. uid spreads the
 * records over PMOD(uid, 3) partitions; `pad` makes records heavier when a test needs its
 * uploads to be multipart-sized.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** The uid of record `seq` (what the checker expects to find beside it). */
export function uidOf(seq: number): number {
  return (seq * 7919) % 101;
}

export async function writeSequencedInput(file: string, n: number, padBytes = 0): Promise<void> {
  const out = createWriteStream(file);
  const pad = 'x'.repeat(padBytes);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += `{"seq": ${i}, "uid": ${uidOf(i)}, "pad": "${pad}"}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

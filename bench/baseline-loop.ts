/**
 * The raw limit the pipeline is compared with: read the JSON-lines file in 1 MiB chunks, parse
 * each line, write one CSV line per record to one file. No checkpoints, no partitions.
 * Prints one JSON line: {records, seconds, maxRssMb}.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const [input, output] = process.argv.slice(2) as [string, string];
const t0 = performance.now();
const out = await open(output, 'w');
let carry = '';
let records = 0;
for await (const chunk of createReadStream(input, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const text = carry + (chunk as string);
  const lines = text.split('\n');
  carry = lines.pop()!;
  let csv = '';
  for (const l of lines) {
    if (l.length === 0) continue;
    const o = JSON.parse(l) as { uid: number };
    csv += `${o.uid}\n`;
    records++;
  }
  await out.write(csv);
}
await out.sync();
await out.close();
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ records, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');

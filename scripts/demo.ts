/**
 * `npm run demo`: the seed's first job on the embedded default — four words in, `word,ct` CSV
 * out — then prints what a reader of the sink sees (visible part files, concatenated).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const out = path.join(repo, 'out', 'wordcount');
rmSync(out, { recursive: true, force: true });
const r = spawnSync(path.join(repo, 'bin/sluice.mjs'), ['run', path.join(repo, 'examples/local/wordcount.yaml')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
const files = readdirSync(out).filter((n) => !n.startsWith('.') && !n.startsWith('_')).sort();
process.stdout.write(`\ncommitted output in ${path.relative(repo, out)}/ (${files.length} file${files.length === 1 ? '' : 's'}):\n`);
for (const f of files) process.stdout.write(readFileSync(path.join(out, f), 'utf8'));

/**
 * Writes `crds/ingestjob.yaml` from `schema.ts`: `npx node src/api/generate-crd.ts`
 * (`--check` exits 1 when the file is stale, for CI).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderIngestJobCrd } from './crd.ts';

export const CRD_FILE = fileURLToPath(new URL('../../crds/ingestjob.yaml', import.meta.url));

async function main(): Promise<void> {
  const text = renderIngestJobCrd();
  if (process.argv.includes('--check')) {
    const current = await readFile(CRD_FILE, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${CRD_FILE} is stale: run npx node src/api/generate-crd.ts`);
      process.exitCode = 1;
    }
    return;
  }
  await writeFile(CRD_FILE, text);
  console.log(`wrote ${CRD_FILE}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

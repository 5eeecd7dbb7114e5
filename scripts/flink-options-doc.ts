/** Writes the option tables of docs/flink-options.md from src/import/flink-options.ts. */
import { readFile, writeFile } from 'node:fs/promises';
import { withOptionTables } from '../src/import/options-doc.ts';

const file = new URL('../docs/flink-options.md', import.meta.url);
await writeFile(file, withOptionTables(await readFile(file, 'utf8')));

/** What a reader of the sink sees: files below `root`, skipping every `.`/`_` name (Hive/Flink convention). */
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';

export async function visibleFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else out.push(full);
    }
  };
  await walk(root);
  return out.sort();
}

/** Every file below root, hidden ones included, except Sluice's own `_sluice/` state. */
export async function allFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '_sluice') await walk(full);
      } else out.push(full);
    }
  };
  await walk(root);
  return out.sort();
}

export async function readLines(files: string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const f of files) {
    const text = await readFile(f, 'utf8');
    if (text.length === 0) continue;
    if (!text.endsWith('\n')) throw new Error(`${f} does not end with a newline: a partial file is visible`);
    for (const l of text.slice(0, -1).split('\n')) lines.push(l);
  }
  return lines;
}

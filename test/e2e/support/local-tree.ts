/**
 * A SinkTree over a local directory with plain node:fs (readdir, stat, readFile), not Sluice's
 * LocalStorage: what `ls` and `cat` see. Files are stat'ed a batch at a time (a sink of 10,000
 * partitions holds tens of thousands).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { SinkTree } from './sink-check.ts';

const STAT_BATCH = 64;

export function localTree(root: string): SinkTree {
  return {
    async files() {
      const rels: string[] = [];
      for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
        if (e.isDirectory()) continue;
        const rel = path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/');
        if (!rel.startsWith('_sluice/')) rels.push(rel);
      }
      const out: Array<{ rel: string; size: number }> = [];
      for (let i = 0; i < rels.length; i += STAT_BATCH) {
        const batch = rels.slice(i, i + STAT_BATCH);
        const sizes = await Promise.all(batch.map(async (rel) => (await stat(path.join(root, rel))).size));
        batch.forEach((rel, k) => out.push({ rel, size: sizes[k]! }));
      }
      return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
    },
    read: (rel) => readFile(path.join(root, rel)),
  };
}

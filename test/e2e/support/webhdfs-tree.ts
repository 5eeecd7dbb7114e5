/**
 * A SinkTree over raw WebHDFS REST (LISTSTATUS and OPEN with fetch), independent of Sluice's own
 * WebHdfsClient, so the check does not trust the code it checks. Directories are listed a few
 * at a time: a sink of thousands of partitions is thousands of LISTSTATUS calls.
 */
import type { SinkTree } from './sink-check.ts';

interface Status { pathSuffix: string; type: string; length: number }

const LISTSTATUS_CONCURRENCY = 8;

/** `f` with at most `limit` calls of the returned function in flight. */
function limited(limit: number): <T>(f: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (f) => {
    if (active < limit) active++;
    else await new Promise<void>((r) => waiting.push(r)); // a finishing call hands its slot over
    try {
      return await f();
    } finally {
      const w = waiting.shift();
      if (w !== undefined) w();
      else active--;
    }
  };
}

export function webhdfsTree(webhdfs: string, root: string): SinkTree {
  const url = (p: string, op: string): string => `${webhdfs}/webhdfs/v1${p.split('/').map(encodeURIComponent).join('/')}?op=${op}&user.name=sluice`;
  const list = async (p: string): Promise<Status[]> => {
    const res = await fetch(url(p, 'LISTSTATUS'), { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`LISTSTATUS ${p}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { FileStatuses: { FileStatus: Status[] } }).FileStatuses.FileStatus;
  };
  return {
    async files() {
      const out: Array<{ rel: string; size: number }> = [];
      const slot = limited(LISTSTATUS_CONCURRENCY);
      const walk = async (rel: string): Promise<void> => {
        const subdirs: Array<Promise<void>> = [];
        for (const s of await slot(() => list(rel === '' ? root : `${root}/${rel}`))) {
          const child = rel === '' ? s.pathSuffix : `${rel}/${s.pathSuffix}`;
          if (s.type === 'DIRECTORY') {
            if (child !== '_sluice') subdirs.push(walk(child));
          } else out.push({ rel: child, size: s.length });
        }
        await Promise.all(subdirs);
      };
      await walk('');
      return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
    },
    async read(rel) {
      // OPEN redirects to a DataNode; fetch follows it.
      const res = await fetch(url(`${root}/${rel}`, 'OPEN'), { signal: AbortSignal.timeout(30_000) });
      if (!res.ok) throw new Error(`OPEN ${root}/${rel}: HTTP ${res.status} ${await res.text()}`);
      return Buffer.from(await res.arrayBuffer());
    },
  };
}

/**
 * A real small or read-only file system for error tests: a tmpfs mounted for the test and
 * unmounted after. The suite runs as root (.ci/run), which may mount; where mounting is not
 * allowed (an unprivileged container) the test fails saying so rather than faking the error.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tmpfs {
  dir: string;
  /** Remount read-only (what a full or failed disk, or a read-only volume, looks like). */
  readOnly(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountTmpfs(sizeBytes: number): Promise<Tmpfs> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`this test mounts a tmpfs to meet a real full / read-only file system, and mount failed (run the suite as root, as .ci/run does): ${(e as Error).message}`);
  }
  return {
    dir,
    readOnly: async () => void (await run('mount', ['-o', 'remount,ro', dir])),
    unmount: async () => {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

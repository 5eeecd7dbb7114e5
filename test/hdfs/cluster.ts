/**
 * Shared setup for tests against the real HDFS (test/stack/services/hdfs.ts): start the
 * cluster if it is not running and stop it afterwards only if this file started it, so a
 * developer's running cluster is reused and left alone. Each test works under its own
 * fresh directory.
 */
import { after, before } from 'node:test';
import { randomUUID } from 'node:crypto';
import hdfs, { hdfsEnv } from '../stack/services/hdfs.ts';

export interface HdfsFixture {
  /** WebHDFS base URL, e.g. http://127.0.0.1:19870. */
  webhdfs: string;
  /** hdfs:// authority of the NameNode RPC address, e.g. hdfs://127.0.0.1:18020. */
  namenode: string;
}

export function useHdfs(): HdfsFixture {
  const env = hdfsEnv();
  let started = false;
  before(async () => {
    if ((await hdfs.status()) === null) {
      await hdfs.up();
      started = true;
    }
  }, { timeout: 600_000 });
  after(async () => {
    if (started) await hdfs.down();
  }, { timeout: 60_000 });
  return { webhdfs: env.HDFS_WEBHDFS, namenode: env.HDFS_NAMENODE };
}

/** A directory path no other test uses: /sluice-test/<label>-<uuid>. */
export function freshDir(label: string): string {
  return `/sluice-test/${label}-${randomUUID()}`;
}

/** Poll `check` until it is true or `deadlineMs` passes (then fail with `what`). */
export async function eventually(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let delay = 50;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${deadlineMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1000);
  }
}

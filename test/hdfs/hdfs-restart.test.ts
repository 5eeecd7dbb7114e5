/**
 * HDFS crashes mid-run and comes back (same ports, same data): pending files survive and are
 * committed by commitAfterRecovery, a part file that was still being written is found as an
 * orphan and removed, and calls made while the NameNode is down are retried until it is back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HdfsStorage } from '../../src/storage/hdfs/hdfs-storage.ts';
import type { HdfsPendingFile } from '../../src/storage/hdfs/hdfs-part-writer.ts';
import { startHdfs, stopHdfs, webhdfsAnswers } from '../stack/services/hdfs.ts';
import { freshDir, useHdfs } from './cluster.ts';

const fixture = useHdfs();
const rpc = new URL(fixture.namenode).host;

test('HDFS killed and restarted mid-run: recovery commits pending files and removes orphans', { timeout: 300_000 }, async () => {
  // Patient retries: a MiniDFSCluster restart takes ~15 s on this machine.
  const s = new HdfsStorage({ namenodes: { [rpc]: fixture.webhdfs }, writeBufferBytes: 4, retry: { retries: 60, initialDelayMs: 200, maxDelayMs: 1000 } });
  const dir = `hdfs://${rpc}${freshDir('restart')}`;

  const committed = await s.open(`${dir}/pid=0/part-j-0-0`);
  await committed.write(Buffer.from('committed before the crash\n'));
  const pc = await committed.closeForCommit();
  await s.commit(pc);

  const pending = await s.open(`${dir}/pid=1/part-j-0-1`);
  await pending.write(Buffer.from('pending at the crash\n'));
  const pp = (await pending.closeForCommit()) as HdfsPendingFile;

  const inProgress = await s.open(`${dir}/pid=2/part-j-0-2`);
  await inProgress.write(Buffer.from('half of a part file')); // over the 4-byte buffer: its CREATE starts
  // A write returns while its upload travels; the next full buffer waits for it, so after this
  // second write the temp file surely exists on HDFS (its APPEND may still be in flight).
  await inProgress.write(Buffer.from(' and the rest'));

  await stopHdfs({ kill: true });
  assert.equal(await webhdfsAnswers(), false, 'the NameNode is down');
  // Issued while HDFS is down: retried (connection refused) until the restart completes.
  const statDuringOutage = s.stat(`${dir}/pid=0/part-j-0-0`);
  await startHdfs();
  const st = await statDuringOutage;
  assert.deepEqual({ size: st?.size, isDirectory: st?.isDirectory }, { size: 27, isDirectory: false });

  // The restored runner: re-commit what the checkpoint record lists, idempotently.
  await s.commitAfterRecovery(pc);
  await s.commitAfterRecovery(pp);
  await s.commitAfterRecovery(pp);
  assert.equal(Buffer.from((await s.read(pp.target)) ?? []).toString(), 'pending at the crash\n');
  assert.equal(Buffer.from((await s.read(pc.target)) ?? []).toString(), 'committed before the crash\n');

  // ...and abort every in-progress file no record references.
  const orphans = await s.listUncommitted(dir, 'part-j-0-');
  assert.deepEqual(orphans.map((o) => o.target), [`${dir}/pid=2/part-j-0-2`]);
  for (const o of orphans) await s.abortPending(o);
  assert.deepEqual(await s.listUncommitted(dir, 'part-j-0-'), []);
  assert.equal(await s.stat(`${dir}/pid=2/part-j-0-2`), null, 'never published');

  assert.equal(await s.createIfAbsent(`${dir}/_sluice/epoch-2`, Buffer.from('{}')), true, 'writes work after the restart');
});

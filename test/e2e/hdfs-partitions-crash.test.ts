/**
 * Many partitions on hdfs:// (MiniDFSCluster over WebHDFS) under `ulimit -n 256` (issue 11):
 * 1,000 sequenced records of ~1 KB round robin over PMOD(seq, 1000), a 1 MB sink memory budget
 * and maxOpenFiles 128, so the last run writes out buffers by the hundred and maxOpenFiles rolls
 * the least recently written HDFS streams. An HDFS part file holds no descriptor while it
 * buffers, but each CREATE, RENAME and `_SUCCESS` in flight holds a connection to the NameNode
 * or the DataNode. The runner is SIGKILLed 8 times, at random moments and at each failpoint
 * inside the commit protocol (support/partitions-crash.ts), then run to the end under the same
 * limit. Read back over raw WebHDFS: every record exactly once, `_SUCCESS` in all 1,000
 * partitions, no hidden in-progress file anywhere under the sink outside `_sluice/`.
 *
 * 1,000 partitions of one record each, not 10,000 of several: this MiniDFSCluster completes
 * ~20 CREATEs with data per second whatever the concurrency (one alone ~225 ms, the client's
 * completeFile retry; 16 at once ~58 ms each, 64 ~42 ms), and every partition of a checkpoint
 * is one CREATE: 10,000 partitions would take ~8 minutes per checkpoint, and 1,000 partitions of
 * two records each (2,000 CREATEs) took 3.3 minutes for the test. HDFS part files hold no descriptor per partition, so
 * the partition count is not what the descriptor limit tests here; the connections are.
 */
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freshDir, useHdfs } from '../hdfs/cluster.ts';
import { runPartitionsCrash } from './support/partitions-crash.ts';
import { webhdfsTree } from './support/webhdfs-tree.ts';

const PARTITIONS = 1_000;
const hdfs = useHdfs();

test(`${PARTITIONS.toLocaleString('en')} partitions on hdfs:// under ulimit -n 256, SIGKILLs at random and inside the protocol: every record exactly once, every partition committed`, { timeout: 420_000 }, async (t) => {
  const rpc = new URL(hdfs.namenode).host;
  const base = freshDir('partitions');
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-hdfs-partitions-'));
  t.after(async () => {
    await rm(dir, { recursive: true, force: true });
    await fetch(`${hdfs.webhdfs}/webhdfs/v1${base}?op=DELETE&recursive=true&user.name=sluice`, { method: 'DELETE' }).catch(() => undefined);
  });
  await runPartitionsCrash(t, {
    name: 'partitions-hdfs', dir, partitions: PARTITIONS, records: PARTITIONS, padBytes: 1000, memoryBudget: '1MB', sink: `${hdfs.namenode}${base}/out`,
    storage: `    hdfs: {namenodes: {"${rpc}": "${hdfs.webhdfs}"}}`,
    commitConcurrency: 16, steps: 8, checkpointIntervalMs: 1000, maxRate: 60, maxDelayMs: 1000, stepDeadlineMs: 180_000,
    tree: webhdfsTree(hdfs.webhdfs, `${base}/out`),
  });
});

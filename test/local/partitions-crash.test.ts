/**
 * 10,000 partitions on local disk under `ulimit -n 256` (issue 11): 20,000 sequenced records
 * round robin over PMOD(seq, 10000) (2 per partition, 10,000 records apart), a 1 MB sink
 * memory budget so buffers are written out between checkpoints, and maxOpenFiles 128. A local
 * part file holds a descriptor while its writer is open: with maxOpenFiles at 65536 this test
 * fails with EMFILE in its first runs. A checkpoint writes and publishes hundreds to thousands
 * of part files. The runner is SIGKILLed 12 times, at random moments and at failpoints inside the
 * commit protocol (support/partitions-crash.ts), then run to the end under the same limit.
 * Read back with plain node:fs: every record exactly once, `_SUCCESS` in all 10,000
 * partitions, no hidden in-progress file under the sink, no temp file in `_sluice/`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { localTree } from '../e2e/support/local-tree.ts';
import { runPartitionsCrash } from '../e2e/support/partitions-crash.ts';

test('10,000 partitions on local disk under ulimit -n 256, SIGKILLs at random and inside the protocol: every record exactly once, every partition committed', { timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-partitions-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'out');
  await runPartitionsCrash(t, {
    name: 'partitions-local', dir, partitions: 10_000, records: 20_000, memoryBudget: '1MB', sink: out,
    commitConcurrency: 32, steps: 12, checkpointIntervalMs: 1000, maxRate: 800, maxDelayMs: 1000, stepDeadlineMs: 120_000,
    tree: localTree(out),
  });
  // a kill mid-write of a record or marker leaves a temp in the state directory; the next run sweeps it
  const stateTemps = (await readdir(path.join(out, '_sluice'), { recursive: true })).filter((f) => f.includes('.inprogress.'));
  assert.deepEqual(stateTemps, [], 'temp files left in the checkpoint directory');
});

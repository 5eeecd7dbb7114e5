/**
 * Exactly once on hdfs:// under kill -9 and a NameNode/DataNode crash: a child `sluice run`
 * ingests 400,000 sequenced records from a local JSON-lines file into CSV on a real HDFS
 * (MiniDFSCluster over WebHDFS), partitioned by PMOD(uid, 3), with 64 KB files and 250 ms
 * checkpoints whose state lives on HDFS too (`<sink>/_sluice`). The runner is SIGKILLed at
 * random moments and at failpoints inside the commit protocol (after the record, between two
 * publishes, before the progress marker, during recovery), and HDFS itself is killed and
 * restarted once under a running runner. In the end, read back over raw WebHDFS: every
 * sequence number visible exactly once, in its partition, `_SUCCESS` in each partition, and no
 * hidden in-progress file anywhere under the sink outside `_sluice/`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freshDir, useHdfs } from '../hdfs/cluster.ts';
import { restartHdfs } from '../stack/services/hdfs.ts';
import { runSluice } from '../helpers/sluice-process.ts';
import { runCrashPlan } from './support/crash-plan.ts';
import type { CrashStep } from './support/crash-plan.ts';
import { crashSeed, prng } from '../helpers/prng.ts';
import { sequencedJobYaml, writeSequencedInput } from './support/sequenced-input.ts';
import { checkExactlyOnce } from './support/sink-check.ts';
import { webhdfsTree } from './support/webhdfs-tree.ts';

const RECORDS = 400_000;
const hdfs = useHdfs();

test('hdfs:// sink: SIGKILL at random moments and inside the commit protocol, and an HDFS crash: every record exactly once', { timeout: 420_000 }, async (t) => {
  const seed = crashSeed();
  const rand = prng(seed);
  const rpc = new URL(hdfs.namenode).host;
  const base = freshDir('crash');
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-hdfs-crash-'));
  t.after(async () => {
    await rm(dir, { recursive: true, force: true });
    await fetch(`${hdfs.webhdfs}/webhdfs/v1${base}?op=DELETE&recursive=true&user.name=sluice`, { method: 'DELETE' }).catch(() => undefined);
  });
  await writeSequencedInput(path.join(dir, 'in.jsonl'), RECORDS);
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, sequencedJobYaml({
    name: 'hdfs-crash',
    sink: `${hdfs.namenode}${base}/out`,
    fileSize: '64kb',
    storage: `    hdfs: {namenodes: {"${rpc}": "${hdfs.webhdfs}"}}`,
  }));
  // A random moment after the restore (mostly while part files fill), or after a checkpoint
  // (often inside the next one's commit: a WebHDFS checkpoint takes 300-600 ms here).
  const random = (): CrashStep => ({ kind: 'random', maxDelayMs: 1500 });
  const randomLater = (): CrashStep => ({ kind: 'random', maxDelayMs: 800, after: 'checkpoint' });
  const fp = (failpoints: string): CrashStep => ({ kind: 'failpoint', failpoints });
  // kill: true is a crash of the NameNode and DataNode (SIGKILL), not a clean shutdown.
  const hdfsCrash: CrashStep = { kind: 'disruption', name: 'HDFS killed and restarted', disrupt: async () => void (await restartHdfs({ kill: true })) };
  const steps: CrashStep[] = [
    fp('after-record:1'), random(), fp('mid-commit:2'), randomLater(), hdfsCrash, random(), fp('before-marker:1'), randomLater(),
    fp('mid-recovery:1'), random(), fp('mid-commit:1'), randomLater(), fp('after-record:2'), random(), fp('before-marker:2'), randomLater(),
  ];
  const r = await runCrashPlan({ job, steps, random: rand, stepDeadlineMs: 180_000, maxRate: 60_000 });
  t.diagnostic(`seed ${seed}: ${r.log.join('; ')}`);
  assert.equal(r.finishedEarly, false, `the job finished before the plan ran out (seed ${seed}): ${r.log.join('; ')}`);
  assert.ok(r.kills >= 12, `only ${r.kills} kills landed (seed ${seed}): ${r.log.join('; ')}`);
  assert.equal(r.rodeOut + r.failedDuringDisruption, 1, `the HDFS crash did not hit a working runner: ${r.log.join('; ')}`);

  const final = await runSluice(['run', job, '--json']);
  assert.equal(final.code, 0, final.stderr);
  const summary = final.events.find((e) => e.event === 'summary');
  assert.equal(summary?.finished, true);
  assert.equal(summary?.recordsCommitted, RECORDS);

  const out = await checkExactlyOnce(webhdfsTree(hdfs.webhdfs, `${base}/out`), RECORDS, seed);
  assert.ok(out.visibleFiles > 3, `only ${out.visibleFiles} visible files: the small fileSize did not roll`);
  t.diagnostic(`${out.visibleFiles} visible files, ${out.bytes} bytes`);
});

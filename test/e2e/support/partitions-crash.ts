/**
 * The many-partitions crash story (issue 11), the same on every storage: sequenced records
 * spread round robin over thousands of partitions (PMOD(seq, N): every N consecutive records
 * touch all N), runners started under `ulimit -n 256` and SIGKILLed at random moments and at
 * failpoints inside the commit protocol, then a last run to the end under the same limit.
 *
 * The job sets a small `spec.sink.memoryBudget`, so part files' buffers are written out (their
 * writers opened: a descriptor on local disk, an upload or stream on OSS and HDFS) between
 * checkpoints in thousands of partitions, and `maxOpenFiles` has to roll the least recently
 * written ones; and every checkpoint closes, publishes and commits its partitions by the
 * thousand, each close and publish in flight a descriptor or a connection. A sink that let
 * either grow with the partitions would die with EMFILE (no restart in process here: the run
 * fails with its stderr), so every run ending by its planned kill, and the last one by exit 0,
 * is itself the proof. The descriptors sampled from /proc put a number on it: at most
 * maxOpenFiles + commitConcurrency (+ FD_SLACK) more than the runner held once restored. Then
 * an independent reader of the storage (the caller's SinkTree) must see every record exactly
 * once, `_SUCCESS` in every one of the N partitions, and no hidden in-progress or temp file.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { FdSampler } from '../../helpers/fd-sampler.ts';
import { crashSeed, prng } from '../../helpers/prng.ts';
import { SluiceProcess } from '../../helpers/sluice-process.ts';
import { runCrashPlan } from './crash-plan.ts';
import type { CrashStep } from './crash-plan.ts';
import { withDeadline } from './deadline.ts';
import { sequencedJobYaml, writeSequencedInput } from './sequenced-input.ts';
import { checkExactlyOnce } from './sink-check.ts';
import type { SinkTree } from './sink-check.ts';

/** The descriptor limit every runner runs under (soft and hard). */
export const OPEN_FILES_LIMIT = 256;

/**
 * `spec.sink.maxOpenFiles` for these jobs: half the limit. The process needs descriptors for
 * more than part files: Node's own (stdio, epoll, eventfds, the libuv pool: 22 once restored
 * on local disk), the input file, the checkpoint state files, HTTP connections kept alive (HDFS,
 * OSS: 54 once restored), and while a checkpoint publishes in the background (as the pipeline
 * goes on into new part files) its renames' directory syncs and `_SUCCESS` writes (local) or
 * requests (HDFS, OSS), up to `commitConcurrency` of them. The default of 256 would leave none
 * of that room under `ulimit -n 256`; 128 leaves it with FD_SLACK to spare.
 */
export const MAX_OPEN_FILES = 128;

/**
 * Descriptors a runner may open after its restore besides part files and commits: the
 * checkpoint state file being written, the input file, a worker thread's event loop (OSS
 * Content-MD5), a connection the HTTP pool opens while another closes.
 */
const FD_SLACK = 16;

export interface PartitionsCrashOptions {
  name: string;
  /** Scratch directory: the input and the job file go here. */
  dir: string;
  partitions: number;
  records: number;
  /** Bytes of padding per record (heavier records fill the memory budget with fewer of them). @default 0 */
  padBytes?: number;
  /** The sink root URI (or local path). */
  sink: string;
  /** `spec.storage` body, each line indented by four spaces (none: local disk). */
  storage?: string;
  /** Environment for every runner (secrets). */
  env?: Record<string, string>;
  /** `spec.sink.memoryBudget`: small enough that buffers are written out (writers opened) between checkpoints. */
  memoryBudget: string;
  /** `spec.sink.commitConcurrency` (the storage's default, written out: the descriptor bound counts it). */
  commitConcurrency: number;
  /** `spec.checkpoint.interval` (ms). */
  checkpointIntervalMs: number;
  /**
   * Records/s cap of the crash plan's runners (SLUICE_TEST_MAX_RATE); the last run is not
   * capped. A run commits little more than an interval plus the kill delay of input past its
   * restore, so the plan commits about steps × (interval + maxDelayMs) × maxRate records at
   * most, however fast the machine: that must stay under `records`, or an idle machine would
   * finish the job before the plan ran out.
   */
  maxRate: number;
  /** Longest random delay before a kill (ms), after a restore or after a checkpoint. */
  maxDelayMs: number;
  /** Runs in the crash plan (at most 12; the first 8 hold every failpoint), each ended by a kill. */
  steps: number;
  /** Bound on any one run (ms). */
  stepDeadlineMs: number;
  tree: SinkTree;
}

const fp = (failpoints: string): CrashStep => ({ kind: 'failpoint', failpoints });

export async function runPartitionsCrash(t: TestContext, o: PartitionsCrashOptions): Promise<void> {
  const ceiling = (o.steps * (o.checkpointIntervalMs + o.maxDelayMs) * o.maxRate) / 1000;
  assert.ok(ceiling < o.records, `the plan could commit up to ${ceiling} records, not fewer than the ${o.records} of the input`);
  const seed = crashSeed();
  const rand = prng(seed);
  await writeSequencedInput(path.join(o.dir, 'in.jsonl'), o.records, o.padBytes ?? 0);
  const job = path.join(o.dir, 'job.yaml');
  await writeFile(job, sequencedJobYaml({
    name: o.name, sink: o.sink, fileSize: '64kb', partitions: o.partitions, checkpointInterval: `${o.checkpointIntervalMs}ms`, pad: (o.padBytes ?? 0) > 0,
    sinkExtra: `    maxOpenFiles: ${MAX_OPEN_FILES}\n    memoryBudget: ${o.memoryBudget}\n    commitConcurrency: ${o.commitConcurrency}\n`,
    // no restart in process: a runner that fails (EMFILE) exits 1, and the plan reports its stderr
    extra: '  restartPolicy: {maxRestarts: 0}\n',
    ...(o.storage === undefined ? {} : { storage: o.storage }),
  }));
  // A random moment after the restore (while thousands of part files are written and rolled), or
  // after a checkpoint (often inside the next one's publishing of thousands of files).
  const random = (): CrashStep => ({ kind: 'random', maxDelayMs: o.maxDelayMs });
  const randomLater = (): CrashStep => ({ kind: 'random', maxDelayMs: o.maxDelayMs, after: 'checkpoint' });
  // Every failpoint within the first 8 steps, so a shorter plan (a slower storage) still has them all.
  const steps: CrashStep[] = [
    fp('after-record-with-files:1'), randomLater(), fp('mid-commit:1'), random(), fp('before-marker:1'), randomLater(),
    fp('mid-recovery:1'), fp('after-takeover-record:1'), randomLater(), fp('mid-commit:2'), random(), randomLater(),
  ].slice(0, o.steps);
  const t0 = Date.now();
  const r = await runCrashPlan({
    job, steps, random: rand, stepDeadlineMs: o.stepDeadlineMs, maxRate: o.maxRate, openFiles: OPEN_FILES_LIMIT,
    ...(o.env === undefined ? {} : { env: o.env }),
  });
  t.diagnostic(`seed ${seed}: ${r.log.join('; ')}`);
  assert.equal(r.finishedEarly, false, `the job finished before the plan ran out (seed ${seed}): ${r.log.join('; ')}`);
  assert.equal(r.kills, steps.length, `only ${r.kills} of ${steps.length} kills landed (seed ${seed}): ${r.log.join('; ')}`);

  // The last run, to the end, under the same limit.
  const t1 = Date.now();
  const p = new SluiceProcess(['run', job, '--json'], o.env ?? {}, { openFiles: OPEN_FILES_LIMIT });
  const fds = new FdSampler(p);
  const x = await withDeadline(`the last run (stderr: ${p.stderr.slice(-500)})`, o.stepDeadlineMs, p.exited).finally(() => {
    fds.stop();
    if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  });
  assert.equal(x.code, 0, `the last run ended ${x.code ?? x.signal} (seed ${seed}): ${p.stderr.slice(-3000)}`);
  const summary = p.events.find((e) => e.event === 'summary');
  assert.equal(summary?.finished, true);
  assert.equal(summary?.recordsCommitted, o.records);

  // The premise: every runner that got as far as its restore really ran under the limit.
  const last = await fds.atRestore;
  assert.ok(last !== null, 'the last run never reported its restore');
  const limits = [...r.openFilesLimits, last.limit];
  assert.ok(limits.length >= steps.length / 2, `the limit was read from only ${limits.length} runners`);
  assert.deepEqual([...new Set(limits)], [OPEN_FILES_LIMIT], 'the runners did not run under ulimit -n');
  // What the sink may add to what a runner holds once restored: its open part files (closing
  // ones included) and a checkpoint's publishes and _SUCCESS writes in flight, plus FD_SLACK.
  const peakFds = Math.max(r.peakFds, fds.peak);
  const atRestore = Math.max(r.fdsAtRestore, last.fds);
  t.diagnostic(`open descriptors: peak ${peakFds}, ${atRestore} at restore (limit ${OPEN_FILES_LIMIT}, maxOpenFiles ${MAX_OPEN_FILES}, commitConcurrency ${o.commitConcurrency}); last run: ${fds.samples} samples`);
  assert.ok(peakFds - atRestore <= MAX_OPEN_FILES + o.commitConcurrency + FD_SLACK,
    `a runner held ${peakFds} descriptors, ${peakFds - atRestore} more than at its restore: over maxOpenFiles ${MAX_OPEN_FILES} + commitConcurrency ${o.commitConcurrency} + ${FD_SLACK}`);

  const t2 = Date.now();
  const sink = await checkExactlyOnce(o.tree, o.records, seed, { partitions: o.partitions });
  t.diagnostic(`${sink.visibleFiles} visible files, ${sink.bytes} bytes, ${o.partitions} partitions`);
  t.diagnostic(`crash plan ${t1 - t0} ms, last run ${t2 - t1} ms, check ${Date.now() - t2} ms`);
}

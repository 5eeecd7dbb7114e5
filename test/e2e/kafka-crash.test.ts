/**
 * Exactly once from a real Kafka broker under kill -9 and a broker restart: three runner
 * processes (`sluice run job.yaml --runner i/3`) read a 6-partition topic from earliest offsets
 * while `sluice produce --sequence` (its `produce()`, in-process) writes 1,000,000 records
 * `{"uid": u, "seq": k}` in batches of 5000, and write `SELECT seq, uid, PMOD(uid, 3) AS pid` as
 * CSV partitioned by pid on local disk, checkpointing every 300 ms.
 *
 * Each runner is SIGKILLed at random moments and at failpoints inside the commit protocol
 * (after the checkpoint record, during recovery, before the progress marker) and restarted by a
 * supervisor, as a pod's restart policy would; a runner that dies on its own (while the broker is
 * away) is restarted too, and the test says so. Once a quarter of the records are committed the
 * producer is paused, the broker stopped and started again (its data kept), and the producer
 * resumed. The source is unbounded, so when the runners' checkpoints account for every record
 * they are stopped with SIGTERM (final checkpoint, exit 0). Then, read from disk: each seq
 * visible exactly once, in the partition its uid implies, `_SUCCESS` in pid=0..2, no hidden
 * temp/in-progress file. CRASH_SEED replays a run (kill moments, delays and uids).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startBroker, stopBroker } from '../stack/services/kafka.ts';
import { createTopic, uniqueTopic, useBroker } from '../kafka/helpers.ts';
import { until, withDeadline } from './support/deadline.ts';
import { PausableProducer } from './support/kafka-pausable-producer.ts';
import { RunnerSupervisor } from './support/kafka-runner-supervisor.ts';
import { checkKafkaSinkExactlyOnce } from './support/kafka-sink-check.ts';
import { crashSeed, prng } from '../helpers/prng.ts';

const RECORDS = 1_000_000;
const PARALLELISM = 3;
/** `sluice produce`'s default uid range, 0..100. */
const UID_LIMIT = 100;
/** Per runner: `random` is a SIGKILL at a random moment after restore; the others arm the next child with that failpoint. */
const KILL_PLAN = ['random', 'after-record:2', 'random', 'mid-recovery:1', 'random', 'before-marker:3', 'random'];
const MAX_KILL_DELAY_MS = 2500;

const broker = useBroker();

test('Kafka → partitioned CSV, 3 runners: SIGKILLs, failpoints and a broker restart; every record exactly once', { timeout: 330_000 }, async (t) => {
  const t0 = Date.now();
  const seed = crashSeed();
  const rand = prng(seed);
  t.diagnostic(`seed ${seed} (CRASH_SEED=${seed} replays it)`);
  const topic = uniqueTopic('kafka-crash');
  await createTopic(broker, topic, 6);
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-kafka-crash-'));
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: kafka-crash}
spec:
  source:
    kafka: {bootstrapServers: ["${broker.bootstrap}"], topic: ${topic}, startupMode: earliest-offset}
    format: {type: json}
    schema: [{name: seq, type: BIGINT}, {name: uid, type: INT}]
  transform:
    query: SELECT seq, uid, PMOD(uid, 3) AS pid FROM source
  sink:
    path: out
    format: {type: csv}
    partitionBy: [pid]
    partitionCommit: {policy: [success-file]}
  checkpoint: {interval: 300ms}
  parallelism: ${PARALLELISM}
`);
  const log: string[] = [];
  const note = (line: string): void => void log.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${line}`);
  const runners = Array.from({ length: PARALLELISM }, (_, index) => new RunnerSupervisor({ job, index, parallelism: PARALLELISM, log: note }));
  const committed = (): number => runners.reduce((s, r) => s + r.committedRecords(), 0);
  const producer = new PausableProducer({ bootstrap: broker.bootstrap, topic, count: RECORDS, batch: 5000, random: rand });
  t.after(async () => {
    await producer.pause().catch(() => undefined);
    for (const r of runners) await r.abandon();
    await rm(dir, { recursive: true, force: true });
  });

  // Delays are drawn up front, per runner, so the seed alone fixes them whatever the interleaving.
  const delays = runners.map(() => KILL_PLAN.map(() => Math.floor(rand() * MAX_KILL_DELAY_MS)));
  for (const r of runners) r.start();
  producer.resume();

  const chaos = runners.map(async (r) => {
    for (const [i, step] of KILL_PLAN.entries()) {
      const fired = r.failpointKills;
      const armSuccessor = step === 'random' ? undefined : { SLUICE_FAILPOINTS: step };
      const diedFirst = await r.killAfterRestore(delays[r.index]![i]!, { armSuccessor });
      if (diedFirst > 0) note(`runner ${r.index}: step ${i} (${step}): ${diedFirst} child(ren) died on their own before the kill`);
      // The armed successor kills itself at the failpoint within a few checkpoints (a successor
      // that dies on its own first hands the failpoint on to the next).
      if (armSuccessor !== undefined) await withDeadline(`runner ${r.index}: failpoint ${step} to fire`, 90_000, r.failpointFired(fired));
    }
  });

  const brokerRestart = (async () => {
    await until('a quarter of the records committed before the broker restart', 150_000, () => committed() >= RECORDS / 4);
    await producer.pause();
    note(`broker: stopping (producer paused at seq ${producer.sent}, ${committed()} committed)`);
    const stopAt = Date.now();
    await stopBroker();
    await startBroker();
    note(`broker: back after ${Date.now() - stopAt} ms`);
    if (!producer.done) producer.resume();
  })();

  const stops = [];
  try {
    await withDeadline('kill plans and the broker restart', 240_000, Promise.all([...chaos, brokerRestart]));
    await withDeadline('producer', 120_000, producer.finished());
    note(`producer: done, ${producer.sent} records in ${producer.runs.length} runs`);
    assert.equal(producer.sent, RECORDS);
    await until(`runners' checkpoints account for all ${RECORDS} records (now ${committed()})`, 180_000, () => committed() >= RECORDS);
    note(`all ${committed()} records committed`);
    for (const r of runners) stops.push(await r.stop());
  } finally {
    // The timeline is what makes a failure readable: print it whatever happened.
    for (const l of log) t.diagnostic(l);
  }
  const elapsed = (Date.now() - t0) / 1000;
  for (const [i, s] of stops.entries()) {
    assert.equal(s.code, 0, `runner ${i} did not exit 0 after SIGTERM (${s.code ?? s.signal}): ${s.stderr.slice(-2000)}`);
    assert.equal(s.summary?.finished, false, 'an unbounded source never finishes');
  }
  const perRunner = stops.map((s) => s.summary?.recordsCommitted as number);
  assert.equal(perRunner.reduce((a, b) => a + b, 0), RECORDS, `records committed per runner ${perRunner.join(' + ')}`);

  for (const r of runners) {
    t.diagnostic(
      `runner ${r.index}: ${r.randomKills} random kills, ${r.failpointKills} failpoint kills, ${r.selfExits.length} died on its own, ` +
        `${r.incarnations.length} processes, ${r.checkpoints()} checkpoints, ${r.committedRecords()} records`,
    );
    for (const x of r.selfExits) t.diagnostic(`runner ${r.index} died on its own (${x.code ?? x.signal}): ${x.stderrTail}`);
    // Every planned step lands: a child that died on its own hands its step to the next child.
    // A failpoint step also counts its SIGKILL of the predecessor as a random kill.
    assert.equal(r.randomKills, KILL_PLAN.length, `runner ${r.index}: SIGKILLs by the test (seed ${seed}): ${log.join('; ')}`);
    assert.equal(r.failpointKills, KILL_PLAN.filter((s) => s !== 'random').length, `runner ${r.index}: failpoint kills (seed ${seed}): ${log.join('; ')}`);
    assert.equal(r.selfExits.filter((x) => x.code !== 1).length, 0, `runner ${r.index} exited in an unexpected way (seed ${seed})`);
  }

  const out = await checkKafkaSinkExactlyOnce(path.join(dir, 'out'), RECORDS, UID_LIMIT, seed);
  t.diagnostic(`${out.visibleFiles} visible files; records per partition ${out.perPartition.join(' / ')}; ${elapsed.toFixed(1)} s to ingest`);
});

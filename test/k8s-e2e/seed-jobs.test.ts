/**
 * The seed's two jobs on the product's real shape: `kubectl apply` an IngestJob, a real
 * `sluice operator` process (leader election on) makes runner pods, the test kubelet runs them as
 * real `sluice runner` processes, and everything is read back through the API and the sink.
 *   a. wordcount (local files, bounded) → Succeeded, status counts, the seed's visible output;
 *   b. uid-partitions on a real broker with parallelism 3: a runner killed → replaced, restarts
 *      counted, resumed from its checkpoint; the operator killed → the standby takes the Lease
 *      with the same runner pods; suspend → final checkpoint; every seq exactly once;
 *   c. resume, then `kubectl delete ij`: the finalizer stops the runners and nothing hidden is left.
 * Runner pods are pinned to this file's own kubelet node through `spec.runner.podTemplate`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import type { IngestJob } from '../../src/api/types.ts';
import { produce } from '../../src/cli/produce.ts';
import { requestKillPod } from '../kubelet/control-server.ts';
import { poll } from '../kubelet/test-cluster.ts';
import { createTopic, uniqueTopic, useBroker } from '../kafka/helpers.ts';
import { allFiles, readLines, visibleFiles } from '../helpers/visible-files.ts';
import { startE2eCluster } from './e2e-cluster.ts';
import type { E2eCluster } from './e2e-cluster.ts';
import { OperatorProcess } from './operator-process.ts';
import { assertExactlyOnce, fixtureJob, sinkRecords } from './uid-job.ts';
import { PodCensus } from './pod-census.ts';

const broker = useBroker();
const RUNNER_IMAGE = 'sluice/runner:e2e';
const BATCH = 2000;

let c: E2eCluster;
let operatorA: OperatorProcess;
let operatorB: OperatorProcess | undefined;

before(async () => {
  c = await startE2eCluster('sluice-e2e-seed', { withOwnNode: true });
  operatorA = startOperator('a');
}, { timeout: 60 * 60_000 });

after(async () => {
  await operatorA?.stop();
  await operatorB?.stop();
  await c?.close();
});

function startOperator(tag: string): OperatorProcess {
  return new OperatorProcess({ kubeconfig: c.kubeconfig, namespace: c.namespace, runnerImage: RUNNER_IMAGE, logFile: path.join(c.dir, `operator-${tag}.log`) });
}

/** poll() whose time-out message carries the operators' and pods' logs. */
async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  try {
    return await poll(what, fn, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${c.logs()}`, { cause: err });
  }
}

async function jobPods(job: string): Promise<V1Pod[]> {
  return (await c.core.listNamespacedPod({ namespace: c.namespace, labelSelector: `sluice.dev/job=${job}` })).items;
}

test('a. the seed wordcount job applied with kubectl runs to Succeeded with its output visible', { timeout: 120_000 }, async () => {
  const input = path.join(c.dir, 'words.txt');
  await writeFile(input, 'This\nis\na\ndemo\n'); // the seed's `echo -e "This\nis\na\ndemo"`
  const sink = path.join(c.dir, 'wordcount-out');
  const file = await fixtureJob(c, 'wordcount.yaml', (spec) => {
    spec.source.files!.path = input;
    spec.sink.path = sink;
  });
  assert.match(await c.kubectl(['apply', '-n', c.namespace, '-f', file]), /ingestjob.sluice.dev\/wordcount created/);

  const job = await until('wordcount Succeeded', async () => {
    const j = await c.getJob('wordcount');
    return j?.status?.phase === 'Succeeded' && j.status.committed?.records !== undefined ? j : undefined;
  }, 90_000);
  assert.equal(job.status!.committed!.records, 4);
  assert.ok(job.status!.committed!.files! >= 1, JSON.stringify(job.status!.committed));
  const ready = job.status!.conditions!.find((x) => x.type === 'Ready')!;
  assert.equal(ready.status, 'True');
  assert.equal(ready.reason, 'Succeeded');
  assert.equal(ready.observedGeneration, job.metadata.generation);
  assert.deepEqual(job.status!.runners!.map((r) => [r.index, r.state, r.restarts]), [[0, 'Succeeded', 0]]);
  assert.deepEqual(await readLines(await visibleFiles(sink)), ['This,1', 'is,1', 'a,1', 'demo,1']);
  const pods = await jobPods('wordcount');
  assert.deepEqual(pods.map((p) => [p.metadata!.name, p.status!.phase, p.spec!.nodeName]), [['wordcount-runner-0', 'Succeeded', c.nodeName]]);
});

async function committed(name: string): Promise<number> {
  return (await c.getJob(name))?.status?.committed?.records ?? 0;
}

test('b+c. the seed Kafka job with parallelism 3 survives a runner kill and an operator failover, exactly once', { timeout: 300_000 }, async () => {
  const topic = uniqueTopic('myTest');
  await createTopic(broker, topic, 6);
  const sink = path.join(c.dir, 'uids');
  await mkdir(sink);
  let produced = 0;
  const send = async (count: number): Promise<void> => {
    const r = await produce({ bootstrap: broker.bootstrap, topic, count, batch: 500, interval: 0, limit: 100, sequence: true, sequenceStart: produced });
    assert.equal(r.records, count);
    produced += count;
  };
  await send(BATCH);

  const file = await fixtureJob(c, 'uid-partitions-kafka.yaml', (spec) => {
    spec.source.kafka = { ...spec.source.kafka!, bootstrapServers: [broker.bootstrap], topic, startupMode: 'earliest-offset' };
    spec.source.schema = [{ name: 'seq', type: 'BIGINT' }, { name: 'uid', type: 'INT' }];
    spec.transform!.query = 'SELECT seq, uid, uid_to_pid(uid) AS pid FROM source';
    spec.sink.path = sink;
    spec.checkpoint = { interval: '1s' };
    spec.parallelism = 3;
    spec.restartPolicy = { maxRestarts: 5, backoff: { initial: '1s', max: '2s' } };
  });
  const census = await PodCensus.start(c.kc, c.namespace, 'uid-partitions');
  try {
    await c.kubectl(['apply', '-n', c.namespace, '-f', file]);
    const leaderA = await operatorA.identity();
    const leases = c.kc.makeApiClient(CoordinationV1Api);
    const holder = async (): Promise<string | undefined> =>
      (await leases.readNamespacedLease({ name: 'sluice-operator', namespace: c.namespace })).spec?.holderIdentity;
    await until('operator A holds the Lease', async () => ((await holder()) === leaderA ? true : undefined), 30_000);

    // running: every runner restored and committing, partitions with their success files
    const first = await until(`the first ${BATCH} records committed by 3 runners`, async () => {
      const j = await c.getJob('uid-partitions');
      const runners = j?.status?.runners ?? [];
      return j?.status?.phase === 'Running' && (j.status.committed?.records ?? 0) >= BATCH && runners.length === 3 && runners.every((r) => r.checkpointId !== undefined) ? j : undefined;
    }, 90_000);
    assert.equal(first.status!.committed!.records, BATCH);
    const recent = first.status!.partitions!.recent!;
    assert.deepEqual(recent.map((p) => p.path).sort(), ['pid=0', 'pid=1', 'pid=2']);
    assert.ok(recent.every((p) => p.successFile), JSON.stringify(recent));
    assert.equal(first.status!.conditions!.find((x) => x.type === 'Ready')!.status, 'True');
    // Three runners all serve metrics on their default :9090: each pod has its own port space.
    for (const i of [0, 1, 2]) {
      const log = await readFile(path.join(c.dir, 'pods', `${c.namespace}_uid-partitions-runner-${i}.log`), 'utf8');
      assert.match(log, /pod network: port 9090 of this pod is port \d+ on the machine/);
    }

    // rising: more records while it runs
    await send(BATCH);
    await until(`${produced} records committed`, async () => ((await committed('uid-partitions')) >= produced ? true : undefined), 60_000);

    // a runner pod's process is killed: Failed → replaced → resumes from its checkpoint
    const victim = (await jobPods('uid-partitions')).find((p) => p.metadata!.name === 'uid-partitions-runner-1')!;
    const victimUid = victim.metadata!.uid!;
    const epochBefore = first.status!.runners!.find((r) => r.index === 1)!.epoch!;
    assert.equal(await requestKillPod(c.kubeletUrl!, c.namespace, 'uid-partitions-runner-1', 'KILL'), true);
    const replaced = await until('runner 1 replaced, restarted once, and committing again', async () => {
      const j = await c.getJob('uid-partitions');
      const r = j?.status?.runners?.find((x) => x.index === 1);
      const pod = (await jobPods('uid-partitions')).find((p) => p.metadata!.name === 'uid-partitions-runner-1');
      return pod && pod.metadata!.uid !== victimUid && pod.status?.phase === 'Running' && r?.restarts === 1 && (r.epoch ?? 0) > epochBefore ? j : undefined;
    }, 60_000);
    assert.ok(census.phases.get(victimUid)?.includes('Failed'), `the killed pod went Failed: ${JSON.stringify(census.phases.get(victimUid))}`);
    assert.equal(replaced.status!.runners!.filter((r) => r.index !== 1).every((r) => r.restarts === 0), true);

    // the operator process is killed: the standby takes the Lease and keeps the same runner pods
    operatorB = startOperator('b');
    const leaderB = await operatorB.identity();
    const runnersBefore = new Map((await jobPods('uid-partitions')).map((p) => [p.metadata!.name!, p.metadata!.uid!]));
    assert.equal(runnersBefore.size, 3);
    await operatorA.stop('SIGKILL');
    await until('operator B holds the Lease', async () => ((await holder()) === leaderB ? true : undefined), 45_000);
    await send(BATCH);
    // status.committed is the operator's aggregate: reaching the total proves B reconciles
    await until(`all ${produced} records committed under operator B`, async () => ((await committed('uid-partitions')) >= produced ? true : undefined), 60_000);
    assert.equal(await committed('uid-partitions'), produced);
    const runnersAfter = new Map((await jobPods('uid-partitions')).map((p) => [p.metadata!.name!, p.metadata!.uid!]));
    assert.deepEqual(runnersAfter, runnersBefore, 'the new leader kept the running runner pods');

    // suspend: runners stop after a final checkpoint
    await c.kubectl(['patch', 'ij', 'uid-partitions', '-n', c.namespace, '--type', 'merge', '-p', '{"spec":{"suspend":true}}']);
    const suspended = await until('uid-partitions Suspended with no runner pods', async () => {
      const j = await c.getJob('uid-partitions');
      return j?.status?.phase === 'Suspended' && (await jobPods('uid-partitions')).length === 0 ? j : undefined;
    }, 90_000);
    assert.equal(suspended.status!.committed!.records, produced);
    assertExactlyOnce(await sinkRecords(sink), produced);
    for (const pid of [0, 1, 2]) assert.ok(existsSync(path.join(sink, `pid=${pid}`, '_SUCCESS')), `pid=${pid}/_SUCCESS`);
    census.check();
    assert.ok(census.maxPods <= 3, `at most 3 runner pods at once, saw ${census.maxPods}`);

    // c. resume, then delete while the runners run: the finalizer stops them, nothing hidden is left
    await c.kubectl(['patch', 'ij', 'uid-partitions', '-n', c.namespace, '--type', 'merge', '-p', '{"spec":{"suspend":false}}']);
    await send(BATCH);
    await until(`resumed: all ${produced} records committed`, async () => ((await committed('uid-partitions')) >= produced ? true : undefined), 90_000);
    const live = (await c.getJob('uid-partitions')) as IngestJob & { metadata: { finalizers?: string[] } };
    assert.deepEqual(live.metadata.finalizers, ['sluice.dev/runners']);
    assert.equal((await jobPods('uid-partitions')).length, 3);
    assert.match(await c.kubectl(['delete', 'ij', 'uid-partitions', '-n', c.namespace, '--timeout=90s']), /deleted/);
    assert.equal(await c.getJob('uid-partitions'), undefined, 'kubectl delete waited for the finalizer');
    assert.deepEqual((await jobPods('uid-partitions')).map((p) => p.metadata!.name), []);
    const hidden = (await allFiles(sink)).map((f) => path.relative(sink, f)).filter((f) => path.basename(f).startsWith('.'));
    assert.deepEqual(hidden, [], 'no temp or in-progress file is left');
    assertExactlyOnce(await sinkRecords(sink), produced);
    census.check();
    assert.ok(census.maxPods <= 3, `at most 3 runner pods at once, saw ${census.maxPods}`);
    assert.deepEqual(readdirSync(sink).filter((n) => !n.startsWith('_')).sort(), ['pid=0', 'pid=1', 'pid=2']);
  } finally {
    census.stop();
  }
});

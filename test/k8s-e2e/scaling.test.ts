/**
 * Scaling the seed's Kafka job on the real control plane, records flowing throughout:
 *   a. `kubectl scale ingestjob/NAME --replicas=N` (the CRD's scale subresource on spec.parallelism)
 *      1 → 3 → 2 while a producer keeps sending; `kubectl get --subresource=scale` reads
 *      status.replicas; every record exactly once;
 *   b. spec.autoscaler: a producer burst raises the parallelism (an Event and status.autoscaler
 *      say why), the lag clears, and after the stabilization window it scales back down; exactly
 *      once throughout. Windows are short through the job's own spec fields; every wait is a poll
 *      of the API with a generous deadline, never a timed assertion.
 * Runner pods run on this file's own kubelet node.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { IngestJob } from '../../src/api/types.ts';
import { produce } from '../../src/cli/produce.ts';
import { poll } from '../kubelet/test-cluster.ts';
import { createTopic, uniqueTopic, useBroker } from '../kafka/helpers.ts';
import { startE2eCluster } from './e2e-cluster.ts';
import type { E2eCluster } from './e2e-cluster.ts';
import { OperatorProcess } from './operator-process.ts';
import { PodCensus } from './pod-census.ts';
import { assertExactlyOnce, fixtureJob, sinkRecords, uidJobSpec } from './uid-job.ts';

const broker = useBroker();
const RUNNER_IMAGE = 'sluice/runner:e2e';

let c: E2eCluster;
let operator: OperatorProcess;

before(async () => {
  c = await startE2eCluster('sluice-e2e-scale', { withOwnNode: true });
  operator = new OperatorProcess({ kubeconfig: c.kubeconfig, namespace: c.namespace, runnerImage: RUNNER_IMAGE, logFile: path.join(c.dir, 'operator.log') });
  await operator.identity();
}, { timeout: 60 * 60_000 });

after(async () => {
  await operator?.stop();
  await c?.close();
});

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

/** Sequenced records into one topic: bursts, or a steady flow until stopped. */
class Producer {
  produced = 0;
  private flow: { abort: AbortController; done: Promise<void> } | undefined;

  private readonly topic: string;

  constructor(topic: string) {
    this.topic = topic;
  }

  async burst(count: number): Promise<void> {
    const r = await produce({ bootstrap: broker.bootstrap, topic: this.topic, count, batch: 1000, interval: 0, limit: 100, sequence: true, sequenceStart: this.produced });
    assert.equal(r.records, count);
    this.produced += count;
  }

  /** 200 records every 50 ms until `stop()`: records flow while the job is rescaled. */
  start(): void {
    const abort = new AbortController();
    const done = produce({ bootstrap: broker.bootstrap, topic: this.topic, count: 1e9, batch: 200, interval: 0.05, limit: 100, sequence: true, sequenceStart: this.produced }, { signal: abort.signal })
      .then((r) => { this.produced += r.records; });
    this.flow = { abort, done };
  }

  async stop(): Promise<void> {
    this.flow?.abort.abort();
    await this.flow?.done;
    this.flow = undefined;
  }
}

/** The job runs `n` runners of its current spec, every one restored and checkpointing. */
function runningWith(n: number): (j: IngestJob | undefined) => boolean {
  return (j) => {
    const s = j?.status;
    const runners = s?.runners ?? [];
    return j?.spec.parallelism === n && s?.observedGeneration === j.metadata.generation && s?.replicas === n
      && s?.phase === 'Running' && runners.length === n && runners.every((r) => r.state === 'Running' && r.checkpointId !== undefined)
      && s?.conditions?.find((x) => x.type === 'Ready')?.status === 'True';
  };
}

async function finish(name: string, producer: Producer, sink: string, census: PodCensus, maxPods: number): Promise<void> {
  // The sink, not status.committed: after a scale-down the retired runner's counters are not in
  // the sum of the remaining runners' entries.
  await until(`all ${producer.produced} records visible in the sink`, async () => ((await sinkRecords(sink)).length >= producer.produced ? true : undefined), 180_000);
  await c.kubectl(['patch', 'ij', name, '-n', c.namespace, '--type', 'merge', '-p', '{"spec":{"suspend":true}}']);
  const suspended = await until(`${name} Suspended with no runner pods`, async () => {
    const j = await c.getJob(name);
    return j?.status?.phase === 'Suspended' && (await jobPods(name)).length === 0 ? j : undefined;
  }, 90_000);
  assert.ok((suspended.status!.committed!.records ?? 0) > 0);
  assertExactlyOnce(await sinkRecords(sink), producer.produced);
  census.check();
  assert.ok(census.maxPods <= maxPods, `at most ${maxPods} runner pods at once, saw ${census.maxPods}`);
}

test('a. kubectl scale drives spec.parallelism 1 → 3 → 2 while records flow: every record exactly once', { timeout: 600_000 }, async () => {
  const name = 'uid-partitions';
  const topic = uniqueTopic('scale');
  await createTopic(broker, topic, 6);
  const sink = path.join(c.dir, 'scaled');
  await mkdir(sink);
  const producer = new Producer(topic);
  await producer.burst(1000);
  const file = await fixtureJob(c, 'uid-partitions-kafka.yaml', (spec) => {
    uidJobSpec(spec, { bootstrap: broker.bootstrap, topic, sink });
    spec.parallelism = 1;
  });
  const census = await PodCensus.start(c.kc, c.namespace, name);
  try {
    await c.kubectl(['apply', '-n', c.namespace, '-f', file]);
    const first = await until('1 runner committing', async () => {
      const j = await c.getJob(name);
      return runningWith(1)(j) && (j!.status!.committed?.records ?? 0) >= 1000 ? j : undefined;
    }, 90_000);
    assert.equal(first.status!.selector, `sluice.dev/job=${name}`);

    producer.start();
    assert.match(await c.kubectl(['scale', `ingestjob/${name}`, '-n', c.namespace, '--replicas=3']), new RegExp(`ingestjob.sluice.dev/${name} scaled`));
    const three = await until('3 runners of the new spec committing', async () => {
      const j = await c.getJob(name);
      return runningWith(3)(j) ? j : undefined;
    }, 120_000);
    const before3 = three.status!.committed?.records ?? 0;
    await until('3 runners committing more', async () => (((await c.getJob(name))?.status?.committed?.records ?? 0) > before3 ? true : undefined), 60_000);
    // the scale subresource reads the operator's status.replicas and selector
    const scale = JSON.parse(await c.kubectl(['get', `ingestjob/${name}`, '-n', c.namespace, '--subresource=scale', '-o', 'json'])) as { spec: { replicas: number }; status: { replicas: number; selector: string } };
    assert.deepEqual(scale.spec, { replicas: 3 });
    assert.deepEqual(scale.status, { replicas: 3, selector: `sluice.dev/job=${name}` });
    // kubectl scale owns spec.parallelism through the subresource: an autoscaler would stand down
    const owners = (three.metadata.managedFields as Array<{ manager: string; subresource?: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }>)
      .filter((m) => m.fieldsV1?.['f:spec'] && 'f:parallelism' in m.fieldsV1['f:spec']!);
    assert.equal(owners.length, 1, JSON.stringify(owners));
    assert.match(owners[0]!.manager, /^kubectl/);
    assert.equal(owners[0]!.subresource, 'scale');

    await c.kubectl(['scale', `ingestjob/${name}`, '-n', c.namespace, '--replicas=2']);
    const two = await until('2 runners of the new spec committing', async () => {
      const j = await c.getJob(name);
      return runningWith(2)(j) ? j : undefined;
    }, 120_000);
    const before2 = two.status!.committed?.records ?? 0;
    await until('2 runners committing more', async () => (((await c.getJob(name))?.status?.committed?.records ?? 0) > before2 ? true : undefined), 60_000);
    assert.deepEqual((await jobPods(name)).map((p) => p.metadata!.name).sort(), [`${name}-runner-0`, `${name}-runner-1`]);
    await producer.stop();
    await finish(name, producer, sink, census, 3);
  } finally {
    await producer.stop();
    census.stop();
  }
});

test('b. spec.autoscaler: a producer burst raises parallelism, the lag clears, after the window it scales back down; exactly once', { timeout: 900_000 }, async () => {
  const name = 'uid-autoscaled';
  const topic = uniqueTopic('autoscale');
  await createTopic(broker, topic, 6);
  const sink = path.join(c.dir, 'autoscaled');
  await mkdir(sink);
  const producer = new Producer(topic);
  await producer.burst(1000);
  const file = await fixtureJob(c, 'uid-partitions-kafka.yaml', (spec) => {
    uidJobSpec(spec, { bootstrap: broker.bootstrap, topic, sink });
    spec.parallelism = 1;
    spec.autoscaler = { enabled: true, minParallelism: 1, maxParallelism: 3, targetCatchUp: '2s', stabilizationWindow: '15s', cooldown: '5s' };
    // Rates every second (a runner reports every 5 s by default), and each runner capped at
    // 20,000 records/s (the test throttle): an unthrottled runner reads a burst faster than the
    // autoscaler can see a backlog, so the cap makes "one runner cannot keep up" true on any machine.
    (spec.runner!.podTemplate!.spec as Record<string, unknown>).containers = [{
      name: 'runner',
      env: [{ name: 'SLUICE_STATUS_INTERVAL', value: '1s' }, { name: 'SLUICE_TEST_MAX_RATE', value: '20000' }],
    }];
  }, name);
  const census = await PodCensus.start(c.kc, c.namespace, name);
  try {
    await c.kubectl(['apply', '-n', c.namespace, '-f', file]);
    const idle = await until('1 runner caught up, the autoscaler keeping 1', async () => {
      const j = await c.getJob(name);
      const a = j?.status?.autoscaler;
      return runningWith(1)(j) && (j!.status!.committed?.records ?? 0) >= 1000 && a?.state === 'Active' && a.recommendedParallelism === 1 ? j : undefined;
    }, 120_000);
    assert.equal(idle.spec.parallelism, 1);

    // A burst the runner cannot keep up with in real time: produced while the job is suspended,
    // so the resumed runner starts with all of it as lag. Bigger bursts until one lasts for a few
    // of its reports (how fast a runner is depends on the machine).
    let scaledUp: IngestJob | undefined;
    for (let round = 0, burst = 300_000; round < 3 && !scaledUp; round++, burst *= 2) {
      await c.kubectl(['patch', 'ij', name, '-n', c.namespace, '--type', 'merge', '-p', '{"spec":{"suspend":true}}']);
      await until(`round ${round}: suspended`, async () => ((await c.getJob(name))?.status?.phase === 'Suspended' && (await jobPods(name)).length === 0 ? true : undefined), 90_000);
      await producer.burst(burst);
      await c.kubectl(['patch', 'ij', name, '-n', c.namespace, '--type', 'merge', '-p', '{"spec":{"suspend":false}}']);
      scaledUp = await until(`round ${round}: scaled up, or the burst caught up at parallelism 1`, async () => {
        const j = await c.getJob(name);
        if ((j?.spec.parallelism ?? 1) > 1) return { job: j! };
        return j?.status?.phase === 'Running' && (await sinkRecords(sink)).length >= producer.produced ? { job: undefined } : undefined;
      }, 300_000).then((r) => r.job);
    }
    assert.ok(scaledUp, `no scale-up after the bursts: ${JSON.stringify(scaledUp ?? (await c.getJob(name))?.status?.autoscaler)}`);
    const up = scaledUp.status!.autoscaler!;
    assert.equal(up.recent?.[0]?.from, 1);
    assert.equal(up.recent![0]!.to, scaledUp.spec.parallelism);
    assert.equal(up.recent![0]!.reason, 'ScaledUp');
    assert.match(up.recent![0]!.message!, /lag \d+.*scaling up 1 → [23]/);
    assert.ok(scaledUp.spec.parallelism! <= 3, 'maxParallelism');

    await until('the lag cleared: every record in the sink', async () => ((await sinkRecords(sink)).length >= producer.produced ? true : undefined), 300_000);
    const down = await until('scaled back down to 1 after the window', async () => {
      const j = await c.getJob(name);
      return runningWith(1)(j) && j!.status!.autoscaler?.recent?.[0]?.reason === 'ScaledDown' ? j : undefined;
    }, 300_000);
    const recent = down.status!.autoscaler!.recent!;
    assert.equal(recent[0]!.to, 1);
    assert.match(recent[0]!.message!, /scaling down \d → 1 \(highest recommendation over the 15s window\)/);
    const events = (await c.core.listNamespacedEvent({ namespace: c.namespace, fieldSelector: `involvedObject.name=${name}` })).items as CoreV1Event[];
    const reasons = events.map((e) => e.reason);
    assert.ok(reasons.includes('ScaledUp') && reasons.includes('ScaledDown'), JSON.stringify(reasons));
    // spec.parallelism was changed through the scale subresource under the autoscaler's name
    const managers = (down.metadata.managedFields as Array<{ manager: string; subresource?: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }>)
      .filter((m) => m.fieldsV1?.['f:spec'] && 'f:parallelism' in m.fieldsV1['f:spec']!);
    assert.deepEqual(managers.map((m) => [m.manager, m.subresource]), [['sluice-autoscaler', 'scale']]);
    await finish(name, producer, sink, census, 3);
  } finally {
    census.stop();
  }
});

/**
 * A long-running runner, as on Kubernetes: the seed's Kafka job (JSON uids → CSV partitioned by
 * uid_to_pid(uid) = MOD(uid, 3), success files) from a real broker, with a least-privilege token
 * against a real apiserver. While it runs: status.runners[0] follows the committed records
 * (rate-limited updates), /metrics and /readyz answer. Then SIGTERM: final checkpoint, exit 0, a
 * final status, and every uid exactly once in the right partition.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { IngestJob, RunnerStatus } from '../../src/api/types.ts';
import { ensureCluster, makeNamespace, poll } from '../kubelet/test-cluster.ts';
import type { TestCluster } from '../kubelet/test-cluster.ts';
import kube from '../stack/services/kube.ts';
import { createTopic, produce, uniqueTopic, useBroker } from '../kafka/helpers.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';
import { installIngestJobCrd, RunnerProcess, runnerRbac, serviceAccountKubeconfig } from './kube-helpers.ts';

const broker = useBroker();
let cluster: TestCluster;
let ns = '';
let dir = '';

before(async () => {
  cluster = await ensureCluster();
  await installIngestJobCrd(cluster.kc, cluster.env.KUBECONFIG!);
  ns = await makeNamespace(cluster.core, 'runner-kafka');
  dir = await mkdtemp(path.join(tmpdir(), 'sluice-runner-kafka-'));
}, { timeout: 60 * 60_000 });

after(async () => {
  if (ns) await cluster.core.deleteNamespace({ name: ns }).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
  if (cluster?.started) await kube.down();
});

const uids = (from: number, to: number): Array<{ partition: number; value: string }> =>
  Array.from({ length: to - from }, (_, i) => ({ partition: (from + i) % 3, value: JSON.stringify({ uid: from + i }) }));

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + '{'));
  assert.ok(line, `no ${name} in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('runs the Kafka job, reports while running, and stops cleanly on SIGTERM', { timeout: 180_000 }, async () => {
  const topic = uniqueTopic('uids');
  await createTopic(broker, topic, 3);
  await produce(broker, topic, uids(0, 3000));
  const sink = path.join(dir, 'uids');
  const job: IngestJob = {
    apiVersion: 'sluice.dev/v1alpha1', kind: 'IngestJob', metadata: { name: 'uid-partitions' },
    spec: {
      source: { kafka: { bootstrapServers: [broker.bootstrap], topic, startupMode: 'earliest-offset' }, format: { type: 'json' }, schema: [{ name: 'uid', type: 'INT' }] },
      transform: {
        functions: [{ name: 'uid_to_pid', params: [{ name: 'uid', type: 'INT' }], returns: 'INT', expression: 'MOD(uid, 3)' }],
        query: 'SELECT uid, uid_to_pid(uid) AS pid FROM source',
      },
      sink: { path: sink, format: { type: 'csv' }, partitionBy: ['pid'], rollingPolicy: { fileSize: '2MB' }, partitionCommit: { policy: ['success-file'] } },
      checkpoint: { interval: '1s' },
    },
  };
  const objects = cluster.kc.makeApiClient(CustomObjectsApi);
  await objects.createNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace: ns, plural: 'ingestjobs', body: job });
  const sa = await runnerRbac(cluster.kc, ns, 'uid-partitions');
  const kubeconfig = path.join(dir, 'runner.kubeconfig');
  await serviceAccountKubeconfig(cluster.kc, ns, sa, kubeconfig);
  const entry = async (): Promise<RunnerStatus | undefined> => {
    const j = (await objects.getNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace: ns, plural: 'ingestjobs', name: 'uid-partitions' })) as IngestJob;
    return j.status?.runners?.find((r) => r.index === 0);
  };

  const runner = new RunnerProcess(
    ['--namespace', ns, '--job', 'uid-partitions', '--index', '0', '--parallelism', '1', '--metrics-port', '0', '--status-interval', '1s'],
    { KUBECONFIG: kubeconfig, POD_NAME: 'uid-partitions-runner-0', POD_NAMESPACE: ns }, dir,
  );
  try {
    const port = Number((await runner.waitFor('starting')).metricsPort);
    await poll('status shows 3000 committed records', async () => ((await entry())?.records === 3000 ? true : undefined), 60_000);
    const url = (p: string): string => `http://127.0.0.1:${port}${p}`;
    assert.equal((await fetch(url('/readyz'))).status, 200);
    const m = await (await fetch(url('/metrics'))).text();
    assert.equal(metric(m, 'sluice_runner_records_committed_total'), 3000);
    assert.equal(metric(m, 'sluice_runner_records_in_total'), 3000);
    assert.ok(metric(m, 'sluice_runner_checkpoint_duration_seconds_count') >= 1);
    assert.equal(metric(m, 'sluice_runner_source_lag'), 0);

    // more input: the status follows (updates keep coming, rate-limited, while the job runs)
    await produce(broker, topic, uids(3000, 4000));
    const mid = await poll('status shows 4000 committed records', async () => {
      const e = await entry();
      return e?.records === 4000 ? e : undefined;
    }, 60_000);
    assert.equal(mid.state, 'Running');
    assert.equal(mid.finished, false);
    assert.equal(mid.lag, 0);
    assert.deepEqual(mid.recentPartitions!.map((p) => p.path).sort(), ['pid=0', 'pid=1', 'pid=2']);

    runner.child.kill('SIGTERM');
    const x = await runner.exited;
    assert.equal(x.code, 0, `runner failed: ${x.stderr}`);
    assert.ok(x.events.some((e) => e.event === 'stopping'));
    assert.deepEqual(x.events.filter((e) => e.event === 'status-update-failed').map((e) => e.reason), []);
    const summary = x.events.find((e) => e.event === 'summary')!;
    const last = (await entry())!;
    assert.equal(last.checkpointId, summary.lastCheckpoint, 'the final status names the final checkpoint');
    assert.equal(last.records, 4000);
    assert.match(last.message!, /^stopped after checkpoint \d+/);
  } finally {
    if (runner.child.exitCode === null) runner.child.kill('SIGKILL');
  }

  // every uid exactly once, in its partition; partition columns are not in the file body
  for (const pid of [0, 1, 2]) {
    const lines = await readLines(await visibleFiles(path.join(sink, `pid=${pid}`)));
    const want = Array.from({ length: 4000 }, (_, i) => i).filter((u) => u % 3 === pid).map(String);
    assert.deepEqual([...lines].sort(), [...want].sort(), `pid=${pid}`);
    assert.ok(existsSync(path.join(sink, `pid=${pid}`, '_SUCCESS')), `pid=${pid}/_SUCCESS`);
  }
});

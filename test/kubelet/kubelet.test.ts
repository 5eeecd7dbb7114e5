/**
 * The test kubelet against the real control plane (kube stack): pods run as local processes and
 * their status, restarts, kills, deletion and owner garbage collection behave as in a cluster.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Watch } from '@kubernetes/client-node';
import type { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import kube, { restartApiserver } from '../stack/services/kube.ts';
import { paths, repoRoot } from '../stack/kube/paths.ts';
import { requestKillPod } from './control-server.ts';
import { TestKubelet, killPod } from './kubelet.ts';
import { ensureCluster, makeNamespace, nodePod, poll, waitForPod, waitForPodGone } from './test-cluster.ts';

let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let kubeletUrl: string;
let started = false;

before(async () => {
  const c = await ensureCluster();
  ({ kc, core, started } = c);
  kubeletUrl = c.env.SLUICE_KUBELET_URL!;
  ns = await makeNamespace(core, 'kubelet-test');
}, { timeout: 60 * 60_000 });

after(async () => {
  if (core && ns) await core.deleteNamespace({ name: ns }).catch(() => undefined);
  if (started) await kube.down();
});

const terminal = (p: V1Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const isRunning = (p: V1Pod): boolean => p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running !== undefined;
const exitCode = (p: V1Pod): number | undefined => p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
const podLog = (name: string): string => readFileSync(join(paths.pods, `${ns}_${name}.log`), 'utf8');
/**
 * What the pod's process printed: its log without the kubelet's own `--- <time> start <argv>`
 * lines. Those echo the `node -e` script, so a search of the whole log finds every string the
 * script would print before the process has even started.
 */
const podOutput = (name: string): string => podLog(name).split('\n').filter((l) => !l.startsWith('--- ')).join('\n');
/** The process printed `line` (a whole line). */
const printed = (name: string, line: string): true | undefined => {
  try {
    return podOutput(name).split('\n').includes(line) ? true : undefined;
  } catch {
    return undefined; // not written yet
  }
};

/** Every phase the pod reports, in order, from a watch opened before the pod is created. */
async function phasesOf(pod: V1Pod): Promise<{ phases: string[]; last: V1Pod }> {
  const name = pod.metadata!.name!;
  const phases: string[] = [];
  let last: V1Pod | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => { resolveDone = r; });
  const req = await new Watch(kc).watch(`/api/v1/namespaces/${ns}/pods`, { fieldSelector: `metadata.name=${name}` }, (_type, obj: V1Pod) => {
    const phase = obj.status?.phase;
    if (phase && phases.at(-1) !== phase) phases.push(phase);
    last = obj;
    if (terminal(obj)) resolveDone();
  }, () => undefined);
  try {
    await core.createNamespacedPod({ namespace: ns, body: pod });
    await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error(`pod ${name}: phases so far ${phases.join('→')}`)), 30_000).unref())]);
  } finally {
    req.abort();
  }
  return { phases, last: last! };
}

test('a short command goes Pending → Running → Succeeded, bound to sluice-test-node, output logged', async () => {
  const { phases, last } = await phasesOf(nodePod('hello', 'console.log("hello from", process.env.POD_NAME)'));
  assert.deepEqual(phases, ['Pending', 'Running', 'Succeeded']);
  assert.equal(last.spec?.nodeName, 'sluice-test-node');
  assert.equal(exitCode(last), 0);
  assert.match(podOutput('hello'), /hello from hello/);
});

test('the sluice/runner image runs the repo CLI (bin/sluice.mjs)', async () => {
  const pod: V1Pod = { metadata: { name: 'runner' }, spec: { restartPolicy: 'Never', containers: [{ name: 'runner', image: 'sluice/runner:dev', command: ['sluice'], args: ['--version'] }] } };
  await core.createNamespacedPod({ namespace: ns, body: pod });
  const done = await waitForPod(core, ns, 'runner', terminal);
  // Whatever the CLI answers, it ran through bin/sluice.mjs: the log header shows the argv.
  assert.ok(podLog('runner').includes(join(repoRoot, 'bin', 'sluice.mjs') + ' --version'), podLog('runner'));
  assert.equal(typeof exitCode(done), 'number');
});

test('a failing command ends Failed with its exit code', async () => {
  const { phases, last } = await phasesOf(nodePod('fails', 'process.exit(3)'));
  assert.equal(phases.at(-1), 'Failed');
  assert.equal(exitCode(last), 3);
  assert.equal(last.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Error');
});

test('restartPolicy OnFailure restarts the container until it succeeds', async () => {
  const marker = join(paths.pods, `${ns}-restart-marker`);
  const script = `const fs = require("fs"); if (fs.existsSync(${JSON.stringify(marker)})) process.exit(0); fs.writeFileSync(${JSON.stringify(marker)}, ""); process.exit(1)`;
  await core.createNamespacedPod({ namespace: ns, body: nodePod('flaky', script, 'OnFailure') });
  const done = await waitForPod(core, ns, 'flaky', terminal);
  assert.equal(done.status?.phase, 'Succeeded');
  assert.equal(done.status?.containerStatuses?.[0]?.restartCount, 1);
  assert.equal(done.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
});

test('POST /kill on the kubelet kills the pod process → Failed with 137', async () => {
  await core.createNamespacedPod({ namespace: ns, body: nodePod('victim', 'setInterval(() => {}, 1000)') });
  await waitForPod(core, ns, 'victim', isRunning);
  assert.equal(await requestKillPod(kubeletUrl, ns, 'victim', 'KILL'), true);
  const done = await waitForPod(core, ns, 'victim', terminal);
  assert.equal(done.status?.phase, 'Failed');
  assert.equal(exitCode(done), 137);
  assert.equal(await requestKillPod(kubeletUrl, ns, 'victim', 'KILL'), false, 'nothing left to kill');
});

test('deleting a running pod SIGTERMs its process, then the pod is removed', async () => {
  const script = 'process.on("SIGTERM", () => { console.log("got SIGTERM"); process.exit(0); }); setInterval(() => {}, 1000)';
  await core.createNamespacedPod({ namespace: ns, body: nodePod('graceful', script.replace('setInterval', 'console.log("handler installed"); setInterval')) });
  await waitForPod(core, ns, 'graceful', isRunning);
  await poll('graceful installed its SIGTERM handler', async () => printed('graceful', 'handler installed'));
  const { pid } = await (await fetch(`${kubeletUrl}/pods/pid?pod=${ns}/graceful`)).json() as { pid: number };
  assert.ok(pid > 0);
  await core.deleteNamespacedPod({ name: 'graceful', namespace: ns, gracePeriodSeconds: 10 });
  await waitForPodGone(core, ns, 'graceful');
  assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the process is gone');
  assert.equal(printed('graceful', 'got SIGTERM'), true);
});

test('a process that ignores SIGTERM is SIGKILLed after the grace period', async () => {
  const script = 'process.on("SIGTERM", () => console.log("SIGTERM ignored")); console.log("handler installed"); setInterval(() => {}, 1000)';
  await core.createNamespacedPod({ namespace: ns, body: nodePod('stubborn', script) });
  await waitForPod(core, ns, 'stubborn', isRunning);
  // Running means the process exists, not that its script has installed the handler yet
  await poll('stubborn installed its SIGTERM handler', async () => printed('stubborn', 'handler installed'));
  const { pid } = await (await fetch(`${kubeletUrl}/pods/pid?pod=${ns}/stubborn`)).json() as { pid: number };
  const t0 = performance.now();
  await core.deleteNamespacedPod({ name: 'stubborn', namespace: ns, gracePeriodSeconds: 1 });
  await waitForPodGone(core, ns, 'stubborn');
  // It got SIGTERM and lived on (its handler ran); it cannot end by itself, so SIGKILL ended it.
  assert.equal(printed('stubborn', 'SIGTERM ignored'), true);
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
  // A lower bound only, on a monotonic clock: the kubelet starts its 1 s timer after the delete
  // was sent and removes the pod after the SIGKILL, so a busy machine can only make this longer.
  assert.ok(performance.now() - t0 >= 1000, 'the pod outlived the grace period');
});

test('ownerReference garbage collection deletes the pods of a deleted owner (kube-controller-manager)', async () => {
  const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner' }, data: {} } });
  const pod = nodePod('owned', 'setInterval(() => {}, 1000)');
  pod.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid!, blockOwnerDeletion: true }];
  await core.createNamespacedPod({ namespace: ns, body: pod });
  await waitForPod(core, ns, 'owned', isRunning);
  await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns, propagationPolicy: 'Background' });
  await waitForPodGone(core, ns, 'owned', 60_000);
});

test('env from a Secret reaches the process; a missing Secret leaves it waiting with a reason that names it', async () => {
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'creds' }, stringData: { token: 's3cr3t-value' } } });
  const pod = nodePod('with-secret', 'console.log("token length", process.env.TOKEN.length, "sa kubeconfig", !!process.env.KUBECONFIG)');
  pod.spec!.containers[0]!.env!.push({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } });
  await core.createNamespacedPod({ namespace: ns, body: pod });
  await waitForPod(core, ns, 'with-secret', (p) => p.status?.phase === 'Succeeded');
  assert.match(podOutput('with-secret'), /token length 12 sa kubeconfig true/);

  const missing = nodePod('no-secret', 'process.exit(0)');
  missing.spec!.containers[0]!.env!.push({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'absent', key: 'token' } } });
  await core.createNamespacedPod({ namespace: ns, body: missing });
  const waiting = await waitForPod(core, ns, 'no-secret', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError');
  assert.match(waiting.status!.containerStatuses![0]!.state!.waiting!.message!, /env TOKEN: Secret .*\/absent not found/);
  assert.equal(waiting.status?.phase, 'Pending');
});

test('in-process kubelet: exported killPod kills a pod on its node → Failed', async () => {
  const second = new TestKubelet({ kubeConfig: kc, nodeName: 'sluice-test-node-b', bindUnscheduled: false, podLogDir: paths.pods, repoRoot, log: () => undefined });
  await second.start();
  try {
    const pod = nodePod('on-b', 'setInterval(() => {}, 1000)');
    pod.spec!.nodeName = 'sluice-test-node-b';
    await core.createNamespacedPod({ namespace: ns, body: pod });
    await waitForPod(core, ns, 'on-b', isRunning);
    assert.equal(second.podPid(ns, 'on-b') !== undefined, true);
    assert.equal(killPod(ns, 'on-b', 'SIGKILL'), true);
    const done = await waitForPod(core, ns, 'on-b', terminal);
    assert.deepEqual([done.status?.phase, exitCode(done)], ['Failed', 137]);
  } finally {
    await second.stop();
    await core.deleteNode({ name: 'sluice-test-node-b' }).catch(() => undefined);
  }
  await poll('node sluice-test-node is Ready', async () => {
    const n = await core.readNode({ name: 'sluice-test-node' });
    return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined;
  });
});

test('the kubelet keeps working after kube-apiserver restarts (its informer is restarted)', async () => {
  await restartApiserver();
  await core.createNamespacedPod({ namespace: ns, body: nodePod('after-restart', 'console.log("still here")') });
  const done = await waitForPod(core, ns, 'after-restart', terminal, 60_000);
  assert.equal(done.status?.phase, 'Succeeded');
  assert.match(podOutput('after-restart'), /still here/);
});

test('pods of a kubelet that stopped and deleted its Node are garbage-collected, so their namespace finishes deleting (pod GC)', { timeout: 240_000 }, async () => {
  // What every harness does at the end: stop its in-process kubelet, delete its Node, delete the
  // namespace. The running pod's graceful deletion then has no kubelet to confirm it.
  const gcNs = await makeNamespace(core, 'kubelet-podgc');
  const nodeName = `${gcNs}-node`;
  const k = new TestKubelet({ kubeConfig: kc, nodeName, bindUnscheduled: false, podLogDir: paths.pods, repoRoot, log: () => undefined });
  await k.start();
  const pod = nodePod('orphan', 'setInterval(() => {}, 1000)');
  pod.spec!.nodeName = nodeName;
  pod.spec!.terminationGracePeriodSeconds = 30;
  await core.createNamespacedPod({ namespace: gcNs, body: pod });
  await waitForPod(core, gcNs, 'orphan', isRunning);
  await k.stop();
  await core.deleteNode({ name: nodeName });
  await core.deleteNamespace({ name: gcNs });
  // kube-controller-manager's pod GC force-deletes pods of a vanished Node after a 40 s quarantine.
  await poll(`namespace ${gcNs} to be deleted`, async () => {
    try {
      await core.readNamespace({ name: gcNs });
      return undefined;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return true;
      throw err;
    }
  }, 200_000);
});

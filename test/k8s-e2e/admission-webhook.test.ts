/**
 * The validating admission webhook on the real apiserver, over TLS: `sluice operator` runs as a
 * local process serving it with a certificate from a CA made here, registered with a
 * ValidatingWebhookConfiguration whose clientConfig is a URL plus that caBundle (scoped to this
 * test's namespace). Jobs the CRD schema accepts but `sluice validate` refuses (a bad query, a
 * partition column the query does not produce, a relative path) are refused at create, naming the
 * field; a job created before the webhook was registered is marked InvalidSpec without a pod.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { IngestJob } from '../../src/api/types.ts';
import { createJob, getJob, jobPods, poll, startHarness, testJob } from '../operator/harness.ts';
import type { Harness } from '../operator/harness.ts';
import { OperatorProcess } from './operator-process.ts';

let h: Harness;
let op: OperatorProcess | undefined;
let certDir = '';
let webhookName = '';

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: certDir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and a serving certificate for 127.0.0.1, as the chart's genCA/genSignedCert make them. */
function makeCertificates(): string {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=sluice-webhook-ca']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=sluice-webhook']);
  writeFileSync(join(certDir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'ext.cnf']);
  return readFileSync(join(certDir, 'ca.crt')).toString('base64');
}

const badQuery = (h: Harness, name: string): IngestJob => testJob(h, name, { transform: { query: 'SELECT uid,\n  nosuch(uid) AS x FROM source' } });

async function refusal(job: IngestJob): Promise<string | undefined> {
  try {
    await createJob(h, job);
    return undefined;
  } catch (err) {
    return String((err as { body?: unknown }).body ?? err);
  }
}

before(async () => {
  h = await startHarness('sluice-wh');
  certDir = mkdtempSync(join(tmpdir(), 'sluice-wh-'));
}, { timeout: 60 * 60_000 });

after(async () => {
  if (webhookName) await h.kc.makeApiClient(AdmissionregistrationV1Api).deleteValidatingWebhookConfiguration({ name: webhookName }).catch(() => undefined);
  await op?.stop();
  await h?.close();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

test('the webhook refuses what sluice validate refuses, naming the field; a job admitted without it is InvalidSpec and gets no pod', { timeout: 180_000 }, async () => {
  // Before any webhook exists: the CRD schema alone accepts this job.
  await createJob(h, badQuery(h, 'admitted'));

  const caBundle = makeCertificates();
  op = new OperatorProcess({
    kubeconfig: h.kubeconfigPath, namespace: h.namespace, runnerImage: 'sluice/fake-runner:test', logFile: join(h.controlDir, 'operator.log'),
    extraArgs: ['--no-leader-election', '--webhook-port', '0', '--webhook-cert-dir', certDir],
  });
  const port = await op.webhookPort();

  // The operator's own check, before any pod: Stalled with reason InvalidSpec, the field named.
  const admitted = await poll('job "admitted" marked InvalidSpec', async () => {
    const j = await getJob(h, 'admitted');
    const c = j?.status?.conditions?.find((x) => x.type === 'Stalled');
    return c?.status === 'True' && c.reason === 'InvalidSpec' ? c : undefined;
  }, 60_000);
  assert.match(admitted.message, /spec\.transform\.query: .*nosuch/);
  assert.deepEqual(await jobPods(h, 'admitted'), [], 'no runner pod was spent on it');

  webhookName = `sluice-test-${h.namespace}`;
  await h.kc.makeApiClient(AdmissionregistrationV1Api).createValidatingWebhookConfiguration({
    body: {
      metadata: { name: webhookName },
      webhooks: [{
        name: 'ingestjobs.sluice.dev',
        clientConfig: { url: `https://127.0.0.1:${port}/validate-ingestjob`, caBundle },
        rules: [{ apiGroups: ['sluice.dev'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: ['ingestjobs'], scope: 'Namespaced' }],
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': h.namespace } },
        failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'], timeoutSeconds: 10,
      }],
    },
  });

  // The apiserver picks the configuration up asynchronously: wait until it refuses.
  const first = await poll('the webhook to refuse a bad query', async () => {
    const r = await refusal(badQuery(h, 'bad-query'));
    if (r === undefined) await h.custom.deleteNamespacedCustomObject({ group: 'sluice.dev', version: 'v1alpha1', namespace: h.namespace, plural: 'ingestjobs', name: 'bad-query' });
    return r;
  }, 60_000);
  assert.match(first, /admission webhook \\"ingestjobs\.sluice\.dev\\" denied the request/);
  assert.match(first, /spec\.transform\.query: .*nosuch.*line 2/);

  const relative = await refusal(testJob(h, 'relative', { sink: { path: '../../out', format: { type: 'csv' } } }));
  assert.match(relative ?? 'accepted', /spec\.sink\.path: must be an absolute path or a URI on Kubernetes/);

  const partition = await refusal(testJob(h, 'partition', { sink: { path: '/data/out', format: { type: 'csv' }, partitionBy: ['pid'] } }));
  assert.match(partition ?? 'accepted', /spec\.sink\.partitionBy\[0\]: column 'pid' is not in the query's output/);

  // A valid job goes through, and so does a metadata-only change of the stored invalid one
  // (the webhook checks a spec only when it changes: finalizers and labels are never blocked).
  await createJob(h, testJob(h, 'fine'));
  await h.custom.patchNamespacedCustomObject(
    { group: 'sluice.dev', version: 'v1alpha1', namespace: h.namespace, plural: 'ingestjobs', name: 'admitted', body: { metadata: { labels: { team: 'data' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await poll('runner pod of the valid job', async () => ((await jobPods(h, 'fine')).length === 1 ? true : undefined), 60_000);
});

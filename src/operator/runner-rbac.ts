/**
 * Per-job least privilege for runner pods: ServiceAccount, Role and RoleBinding all named
 * `sluice-runner-<job>` and owned by the IngestJob (garbage-collected with it). The Role lets a
 * runner read its own IngestJob and patch only that job's status (resourceNames).
 */
import type { V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import { GROUP, PLURAL } from '../api/types.ts';
import type { IngestJob } from '../api/types.ts';
import { LABEL_JOB, runnerServiceAccountName } from './names.ts';
import { ownerReference } from './runner-pod.ts';

export interface RunnerRbac {
  serviceAccount: V1ServiceAccount;
  role: V1Role;
  roleBinding: V1RoleBinding;
}

export function buildRunnerRbac(job: IngestJob): RunnerRbac {
  const name = runnerServiceAccountName(job.metadata.name);
  const namespace = job.metadata.namespace ?? 'default';
  const metadata = {
    name,
    namespace,
    labels: { [LABEL_JOB]: job.metadata.name, 'app.kubernetes.io/managed-by': 'sluice-operator' },
    ownerReferences: [ownerReference(job)],
  };
  return {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    role: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: [
        { apiGroups: [GROUP], resources: [PLURAL], resourceNames: [job.metadata.name], verbs: ['get'] },
        { apiGroups: [GROUP], resources: [`${PLURAL}/status`], resourceNames: [job.metadata.name], verbs: ['get', 'patch'] },
      ],
    },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  };
}

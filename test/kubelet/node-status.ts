/**
 * The Node object the test kubelet registers, and the status it heartbeats. Capacity is nominal:
 * there is no scheduler, so nothing reads it to place pods.
 */
import { hostname } from 'node:os';

export const TEST_NODE_NAME = 'sluice-test-node';

export function nodeObject(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'sluice.dev/test-kubelet': 'true' },
    },
    spec: {},
  };
}

export function nodeStatus(now: Date): Record<string, unknown> {
  const t = now.toISOString();
  const cond = (type: string, status: string, reason: string, message: string): Record<string, string> =>
    ({ type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: t });
  const resources = { cpu: '2', memory: '24Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    conditions: [
      cond('Ready', 'True', 'KubeletReady', 'sluice test kubelet is posting ready status'),
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'test kubelet'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'test kubelet'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'test kubelet'),
    ],
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: hostname() }],
    capacity: resources,
    allocatable: resources,
    nodeInfo: {
      architecture: 'amd64', bootID: '', containerRuntimeVersion: 'sluice-test://local-processes', kernelVersion: '',
      kubeProxyVersion: '', kubeletVersion: 'v0.0.0-sluice-test', machineID: '', operatingSystem: 'linux',
      osImage: `Node.js ${process.version}`, systemUUID: '',
    },
  };
}

/**
 * Where the kube stack keeps things, all derived from the repo root: binaries built once under
 * `.cache/kube/bin`, runtime state (certs, etcd data, pids, logs, pod logs) under `.cache/stack/kube`.
 * Ports are fixed so a second shell (or a test in another process) finds the same cluster; a second
 * checkout on the same machine moves them with KUBE_ETCD_PORT, KUBE_ETCD_PEER_PORT,
 * KUBE_APISERVER_PORT and KUBE_KUBELET_PORT.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { portFromEnv } from '../ports.ts';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
export const kubeSourceDir = fileURLToPath(new URL('.', import.meta.url)).replace(/\/$/, '');
export const binDir = join(repoRoot, '.cache', 'kube', 'bin');
export const stateDir = join(repoRoot, '.cache', 'stack', 'kube');

export const ports = {
  etcdClient: portFromEnv('KUBE_ETCD_PORT', 12379),
  etcdPeer: portFromEnv('KUBE_ETCD_PEER_PORT', 12380),
  apiserver: portFromEnv('KUBE_APISERVER_PORT', 16443),
  /** The test kubelet's control endpoint (`POST /kill?pod=ns/name&signal=KILL`). */
  kubelet: portFromEnv('KUBE_KUBELET_PORT', 16250),
} as const;

export const paths = {
  pki: join(stateDir, 'pki'),
  etcdData: join(stateDir, 'etcd'),
  logs: join(stateDir, 'logs'),
  pods: join(stateDir, 'pods'),
  run: join(stateDir, 'run'),
  kubeconfig: join(stateDir, 'kubeconfig'),
  controllerManagerKubeconfig: join(stateDir, 'pki', 'controller-manager.kubeconfig'),
} as const;

export const apiserverUrl = `https://127.0.0.1:${ports.apiserver}`;

export function bin(name: string): string {
  return join(binDir, name);
}

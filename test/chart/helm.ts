/**
 * helm for chart tests: the binary the kube stack builds into .cache/kube/bin (built on demand
 * through the stack's install, which is a no-op when it is up to date), and a `template` helper
 * that returns the rendered documents parsed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import kube from '../stack/services/kube.ts';
import { bin } from '../stack/kube/paths.ts';

const run = promisify(execFile);
export const CHART = fileURLToPath(new URL('../../charts/sluice', import.meta.url));
export const HELM = bin('helm');

export async function ensureHelm(): Promise<void> {
  if (!existsSync(HELM)) await kube.install();
}

export async function helm(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(HELM, args, { encoding: 'utf8', maxBuffer: 32 << 20 });
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

/** `helm template` → the rendered objects (empty documents dropped). */
export async function template(sets: string[] = [], extra: string[] = []): Promise<K8sObject[]> {
  const { stdout } = await helm('template', 'sluice', CHART, '--namespace', 'sluice-system', ...sets.flatMap((s) => ['--set', s]), ...extra);
  return parseAllDocuments(stdout).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);
}

export function find<T = K8sObject>(objs: K8sObject[], kind: string, name?: string): T {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (o === undefined) throw new Error(`no ${kind}${name ? ` ${name}` : ''} in: ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o as T;
}

/** Writes a token kubeconfig for the local apiserver (CA embedded, so it works from any folder). */
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export function writeKubeconfig(file: string, opts: { server: string; caCertFile: string; user: string; token: string }): void {
  const ca = readFileSync(opts.caCertFile).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sluice-test', cluster: { server: opts.server, 'certificate-authority-data': ca } }],
    users: [{ name: opts.user, user: { token: opts.token } }],
    contexts: [{ name: 'sluice-test', context: { cluster: 'sluice-test', user: opts.user, namespace: 'default' } }],
    'current-context': 'sluice-test',
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
}

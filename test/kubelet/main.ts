/**
 * `node test/kubelet/main.ts --kubeconfig FILE [--port 16250] [--node-name sluice-test-node]
 *   [--pod-log-dir DIR] [--image-map FILE.json]` — runs the test kubelet until SIGTERM/SIGINT,
 * then kills its pods' processes. Started by the `kube` stack service's up().
 * `--image-map` is a JSON array of ImageMapping ({image, entrypoint, commandName}) tried before
 * the defaults.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlServer } from './control-server.ts';
import { defaultImageMappings } from './image-map.ts';
import type { ImageMapping } from './image-map.ts';
import { TestKubelet } from './kubelet.ts';
import { TEST_NODE_NAME } from './node-status.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    port: { type: 'string', default: '16250' },
    'node-name': { type: 'string', default: TEST_NODE_NAME },
    'pod-log-dir': { type: 'string', default: join(repoRoot, '.cache', 'stack', 'kube', 'pods') },
    'image-map': { type: 'string' },
  },
});

const kc = new KubeConfig();
if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
else kc.loadFromDefault();

let mappings = defaultImageMappings();
if (values['image-map']) mappings = [...(JSON.parse(readFileSync(values['image-map'], 'utf8')) as ImageMapping[]), ...mappings];

const kubelet = new TestKubelet({ kubeConfig: kc, nodeName: values['node-name'], podLogDir: values['pod-log-dir'], repoRoot, imageMappings: mappings });
await kubelet.start();
const server = await startControlServer(kubelet, Number(values.port));
process.stderr.write(`test-kubelet: node ${kubelet.nodeName} ready, control on http://127.0.0.1:${values.port}\n`);

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    server.close();
    kubelet.stop().then(() => process.exit(0), () => process.exit(1));
  });
}

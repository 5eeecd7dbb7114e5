import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../examples/kafka/uid-partitions.yaml', import.meta.url));

test('sluice validate --kubernetes refuses a relative sink path that sluice run accepts', () => {
  const local = spawnSync(process.execPath, [BIN, 'validate', EXAMPLE], { encoding: 'utf8' });
  assert.equal(local.status, 0, local.stderr);
  const k8s = spawnSync(process.execPath, [BIN, 'validate', EXAMPLE, '--kubernetes'], { encoding: 'utf8' });
  assert.equal(k8s.status, 1);
  assert.match(k8s.stderr, /spec\.sink\.path: must be an absolute path or a URI on Kubernetes .*"\.\.\/\.\.\/out\/uid-partitions-kafka"/);
});

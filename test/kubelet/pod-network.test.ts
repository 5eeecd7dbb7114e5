import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ephemeralListenArgs } from './pod-network.ts';
import { withPodNetwork } from './pod-worker.ts';

test('a fixed port becomes 0; port 0, pipes and handles are left alone', () => {
  const cb = (): void => {};
  assert.deepEqual(ephemeralListenArgs([8080, '0.0.0.0', cb]), { args: [0, '0.0.0.0', cb], asked: 8080 });
  assert.deepEqual(ephemeralListenArgs(['9090']), { args: [0], asked: 9090 });
  assert.deepEqual(ephemeralListenArgs([{ port: 9090, host: '127.0.0.1' }]), { args: [{ port: 0, host: '127.0.0.1' }], asked: 9090 });
  assert.deepEqual(ephemeralListenArgs([0, '127.0.0.1']), { args: [0, '127.0.0.1'] });
  assert.deepEqual(ephemeralListenArgs(['/tmp/x.sock']), { args: ['/tmp/x.sock'] });
  assert.deepEqual(ephemeralListenArgs([{ path: '/tmp/x.sock' }]), { args: [{ path: '/tmp/x.sock' }] });
  assert.deepEqual(ephemeralListenArgs([{ fd: 3 }]), { args: [{ fd: 3 }] });
});

/** Runs `node -e script` as the kubelet runs a pod (NODE_OPTIONS with the preload); its stdout. */
function podProcess(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, NODE_OPTIONS: withPodNetwork(undefined) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('two pod processes both listen on the same port, as pods in their own network namespaces do', { timeout: 30_000 }, async () => {
  // A port this test holds itself, so without the preload both pods would get EADDRINUSE.
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const port = (holder.address() as AddressInfo).port;
  try {
    const script = `const s = require('node:http').createServer(); s.listen(${port}, () => { console.log(s.address().port); s.close(); });`;
    const [a, b] = await Promise.all([podProcess(script), podProcess(script)]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`port ${port} of this pod is port \\d+ on the machine`));
    }
    const ports = [Number(a.stdout.trim()), Number(b.stdout.trim())];
    assert.ok(ports.every((p) => p > 0 && p !== port), `got ${ports.join(', ')}`);
  } finally {
    holder.close();
  }
});

test("the pod's own NODE_OPTIONS are kept after the preload", () => {
  const o = withPodNetwork('--max-old-space-size=64');
  assert.match(o, /^--import=file:\/\/\S+pod-network-preload\.ts --max-old-space-size=64$/);
});

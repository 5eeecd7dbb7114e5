import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { portFromEnv, portOpen } from './ports.ts';

const VAR = 'SLUICE_PORTS_TEST_PORT';
afterEach(() => {
  delete process.env[VAR];
});

test('portFromEnv: the default when unset or empty, the variable when set', () => {
  assert.equal(portFromEnv(VAR, 19092), 19092);
  process.env[VAR] = '';
  assert.equal(portFromEnv(VAR, 19092), 19092);
  process.env[VAR] = '29092';
  assert.equal(portFromEnv(VAR, 19092), 29092);
});

test('portFromEnv: a value that is not a port fails naming the variable', () => {
  for (const bad of ['abc', '0', '65536', '19092.5', '-1']) {
    process.env[VAR] = bad;
    assert.throws(() => portFromEnv(VAR, 19092), { message: `${VAR}=${bad} is not a TCP port` });
  }
});

test('portOpen: true while a server listens on 127.0.0.1, false once it is closed', async () => {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  assert.equal(await portOpen(port), true);
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  assert.equal(await portOpen(port), false);
});

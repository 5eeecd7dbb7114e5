import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OSS from 'ali-oss';
import { TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET, bytes, emulatorClient, startTestEmulator, withMeta } from './test-helpers.ts';
import type { AliOssOptions } from './test-helpers.ts';

describe('OSS emulator: persistence and standalone mode', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('objects and open uploads (with their parts) survive a restart on the same data dir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'oss-persist-'));
    dirs.push(dataDir);
    const first = await startTestEmulator({ dataDir });
    let c = emulatorClient(first.emulator);
    await c.put('p/obj', Buffer.from('kept'), withMeta({ t: '1' }));
    const { uploadId } = await c.initMultipartUpload('p/mp', withMeta({ token: 'z' }));
    const part1 = bytes(100 * 1024, 7);
    const { etag } = await c.uploadPart('p/mp', uploadId, 1, part1, 0, part1.length);
    await first.emulator.close();

    const second = await startTestEmulator({ dataDir });
    c = emulatorClient(second.emulator);
    assert.equal((await c.get('p/obj')).content.toString(), 'kept');
    assert.deepEqual((await c.head('p/obj')).meta, { t: '1' });
    assert.deepEqual((await c.listUploads({ prefix: 'p/' })).uploads.map((u) => u.uploadId), [uploadId]);
    assert.equal(second.emulator.stats().openUploads, 1);
    const part2 = Buffer.from('tail');
    const p2 = await c.uploadPart('p/mp', uploadId, 2, part2, 0, part2.length);
    await c.completeMultipartUpload('p/mp', uploadId, [{ number: 1, etag }, { number: 2, etag: p2.etag }]);
    assert.ok(Buffer.concat([part1, part2]).equals((await c.get('p/mp')).content as Buffer));
    assert.deepEqual((await c.head('p/mp')).meta, { token: 'z' });
    await second.emulator.close();
  });

  it('main.ts runs standalone, prints its endpoint, serves ali-oss and stops on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'oss-main-'));
    dirs.push(dataDir);
    const main = new URL('./main.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, [main, '--port', '0', '--data', dataDir, '--bucket', TEST_BUCKET, '--access-key-id', TEST_KEY_ID, '--access-key-secret', TEST_KEY_SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = await once(createInterface({ input: child.stdout }), 'line') as [string];
      const info = JSON.parse(line) as { endpoint: string; region: string };
      const options: AliOssOptions = { endpoint: info.endpoint, sldEnable: true, region: `oss-${info.region}`, bucket: TEST_BUCKET, accessKeyId: TEST_KEY_ID, accessKeySecret: TEST_KEY_SECRET };
      const c = new OSS(options);
      await c.put('standalone', Buffer.from('yes'));
      assert.equal((await c.get('standalone')).content.toString(), 'yes');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit') as [number | null];
    assert.equal(code, 0);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createJindoFsStorage } from '../../src/storage/jindofs/index.ts';
import { OssStorage } from '../../src/storage/oss/index.ts';
import type { Entry, PartWriter, PendingFile, Storage } from '../../src/storage/types.ts';
import { TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET, bytes, startTestEmulator } from '../oss-emulator/test-helpers.ts';
import type { TestEmulator } from '../oss-emulator/test-helpers.ts';

/** Records the local paths a block-mode namespace hands to the local backend. */
class RecordingLocalStorage implements Storage {
  readonly capabilities = { atomicRename: true, hiddenTempFiles: true, concurrency: 32 };
  readonly files = new Map<string, Uint8Array>();
  async open(target: string): Promise<PartWriter> {
    const chunks: Uint8Array[] = [];
    return {
      get bytes() {
        return chunks.reduce((n, c) => n + c.length, 0);
      },
      write: async (c) => void chunks.push(c),
      closeForCommit: async () => ({ target, bytes: chunks.reduce((n, c) => n + c.length, 0), data: Buffer.concat(chunks).toString('base64') }),
      abort: async () => undefined,
    };
  }
  async commit(p: PendingFile): Promise<void> {
    this.files.set(p.target, Buffer.from(String(p.data), 'base64'));
  }
  commitAfterRecovery(p: PendingFile): Promise<void> {
    return this.commit(p);
  }
  async abortPending(): Promise<void> {}
  async listUncommitted(): Promise<PendingFile[]> {
    return [];
  }
  async createIfAbsent(p: string, d: Uint8Array): Promise<boolean> {
    if (this.files.has(p)) return false;
    this.files.set(p, d);
    return true;
  }
  async put(p: string, d: Uint8Array): Promise<void> {
    this.files.set(p, d);
  }
  async list(dir: string): Promise<Entry[]> {
    return [...this.files.keys()].filter((k) => k.startsWith(`${dir}/`)).map((k) => ({ name: k.slice(dir.length + 1), path: k, isDirectory: false, size: this.files.get(k)!.length }));
  }
  async read(p: string): Promise<Uint8Array | null> {
    return this.files.get(p) ?? null;
  }
  async *readStream(p: string): AsyncIterable<Uint8Array> {
    const f = this.files.get(p);
    if (f) yield f;
  }
  async stat(p: string): Promise<{ size: number; isDirectory: boolean } | null> {
    const f = this.files.get(p);
    return f ? { size: f.length, isDirectory: false } : null;
  }
  async delete(p: string): Promise<void> {
    this.files.delete(p);
  }
  join(dir: string, ...names: string[]): string {
    return [dir, ...names].join('/');
  }
  async close(): Promise<void> {}
}

describe('JindoFsStorage', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  after(() => t.dispose());

  it('cache mode writes jfs://test/a/b as oss://bucket/prefix/a/b through multipart, and speaks jfs:// back', async () => {
    const local = new RecordingLocalStorage();
    const jfs = createJindoFsStorage({
      test: { mode: 'cache', ossUri: `oss://${TEST_BUCKET}/prefix`, endpoint: t.emulator.endpoint, region: t.emulator.region, pathStyle: true, fromEnv: true },
      blk: { mode: 'block', fuseMountPath: '/mnt/jfs/blk' },
    }, { localStorage: () => local, partSize: 100 * 1024, sources: { env: { OSS_ACCESS_KEY_ID: TEST_KEY_ID, OSS_ACCESS_KEY_SECRET: TEST_KEY_SECRET } } });
    const data = bytes(150 * 1024, 3);
    const w = await jfs.open('jfs://test/ingest/uids/pid=0/part-x-0-0');
    await w.write(data);
    const pending = await w.closeForCommit();
    assert.equal(pending.target, 'jfs://test/ingest/uids/pid=0/part-x-0-0');
    assert.deepEqual((await jfs.listUncommitted('jfs://test/ingest', 'part-x')).map((p) => p.target), ['jfs://test/ingest/uids/pid=0/part-x-0-0']);
    await jfs.commit(pending);
    await jfs.commitAfterRecovery(pending);
    const direct = new OssStorage({ endpoint: t.emulator.endpoint, region: t.emulator.region, pathStyle: true, keys: { accessKeyId: TEST_KEY_ID, accessKeySecret: TEST_KEY_SECRET } });
    assert.ok(data.equals(Buffer.from((await direct.read(`oss://${TEST_BUCKET}/prefix/ingest/uids/pid=0/part-x-0-0`))!)));
    assert.deepEqual((await jfs.list('jfs://test/ingest/uids')).map((e) => [e.name, e.path, e.isDirectory]), [['pid=0', 'jfs://test/ingest/uids/pid=0', true]]);
    assert.equal((await jfs.stat('jfs://test/ingest/uids/pid=0/part-x-0-0'))?.size, data.length);

    await jfs.put('jfs://blk/x/_SUCCESS', Buffer.from('ok'));
    assert.deepEqual([...local.files.keys()], ['/mnt/jfs/blk/x/_SUCCESS']);
    assert.deepEqual((await jfs.list('jfs://blk/x')).map((e) => e.path), ['jfs://blk/x/_SUCCESS']);
    await assert.rejects(jfs.read('jfs://nope/a'), /unknown JindoFS namespace "nope"; spec\.storage\.jindofs\.namespaces defines blk, test/);
    await jfs.close();
  });

  it('a cache namespace without an endpoint or credentials fails naming the namespace field', async () => {
    const noEndpoint = createJindoFsStorage({ test: { mode: 'cache', ossUri: 'oss://bkt/p' } });
    await assert.rejects(noEndpoint.read('jfs://test/a'), /spec\.storage\.jindofs\.namespaces\.test\.endpoint is required/);
    const noCreds = createJindoFsStorage({ test: { mode: 'cache', ossUri: 'oss://bkt/p', endpoint: t.emulator.endpoint } });
    await assert.rejects(noCreds.read('jfs://test/a'), /spec\.storage\.jindofs\.namespaces\.test: no credentials configured/);
  });
});

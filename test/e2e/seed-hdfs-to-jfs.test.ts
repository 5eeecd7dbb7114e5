/**
 * The seed's first job exactly as the seed runs it: CSV words on a real HDFS (hdfs:// with the
 * NameNode mapping) → `SELECT word, 1` → jfs:// in a cache-mode namespace, whose objects land
 * in OSS (our emulator). The concatenated visible output reads This/is/a/demo with 1 each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { useHdfs } from '../hdfs/cluster.ts';
import { emulatorClient, startTestEmulator, TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET } from '../oss-emulator/test-helpers.ts';
import type { TestEmulator } from '../oss-emulator/test-helpers.ts';
import { createHdfsStorage } from '../../src/storage/hdfs/index.ts';
import { runSluice } from '../helpers/sluice-process.ts';

const hdfs = useHdfs();

test('seed job 1: hdfs:// CSV → SELECT word, 1 → jfs:// (cache mode on OSS)', { timeout: 300_000 }, async (t) => {
  const emu: TestEmulator = await startTestEmulator();
  t.after(() => emu.dispose());
  const run = randomUUID();
  const rpc = hdfs.namenode.replace('hdfs://', '');
  const input = `${hdfs.namenode}/sluice-test/seed1-${run}/words.txt`;
  const storage = createHdfsStorage({ namenodes: { [rpc]: hdfs.webhdfs } });
  await storage.put(input, Buffer.from('This\nis\na\ndemo\n'));
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-seed1-'));
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: seed1}
spec:
  source: {files: {path: "${input}"}, format: {type: csv}, schema: [{name: word, type: VARCHAR}]}
  transform: {query: "SELECT word, 1 AS ct FROM source"}
  sink: {path: "jfs://test/ingest/${run}", format: {type: csv}}
  storage:
    hdfs: {namenodes: {"${rpc}": "${hdfs.webhdfs}"}}
    jindofs:
      namespaces:
        test: {mode: cache, ossUri: "oss://${TEST_BUCKET}/jfs-root", endpoint: "${emu.emulator.endpoint}", region: "${emu.emulator.region}", pathStyle: true, credentialsSecret: oss-creds}
`);
  const r = await runSluice(['run', job, '--json'], { SLUICE_SECRET_OSS_CREDS_ACCESSKEYID: TEST_KEY_ID, SLUICE_SECRET_OSS_CREDS_ACCESSKEYSECRET: TEST_KEY_SECRET });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stderr.includes(TEST_KEY_SECRET) && !JSON.stringify(r.events).includes(TEST_KEY_SECRET), 'the secret never appears in output');
  const oss = emulatorClient(emu.emulator);
  const listed = await oss.listV2({ prefix: `jfs-root/ingest/${run}/`, 'max-keys': '1000' }, {});
  const keys = (listed.objects ?? []).map((o) => o.name);
  const visible = keys.filter((k) => !k.slice(`jfs-root/ingest/${run}/`.length).split('/').some((seg) => seg.startsWith('_') || seg.startsWith('.')));
  assert.ok(visible.length >= 1, `no visible part file among ${keys.join(', ')}`);
  let text = '';
  for (const k of visible.sort()) text += (await oss.get(k)).content.toString('utf8');
  assert.equal(text, 'This,1\nis,1\na,1\ndemo,1\n');
  const uploads = await oss.listUploads({ prefix: 'jfs-root/' }, {});
  assert.equal((uploads.uploads ?? []).length, 0, 'no multipart upload left open');
});

/**
 * The files source on every storage it claims: CSV (with a header, plain and zstd), gzip JSON
 * lines and Parquet (several row groups) inputs read from hdfs:// (the MiniDFSCluster, over
 * WebHDFS), oss:// and jfs:// (cache mode, both on the OSS emulator). Each job is SIGKILLed
 * mid-read, after a checkpoint that left a file half read, and run again: the output (a local
 * CSV sink) holds every input record exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { useHdfs } from '../hdfs/cluster.ts';
import { emulatorClient, startTestEmulator, TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET } from '../oss-emulator/test-helpers.ts';
import { createHdfsStorage } from '../../src/storage/hdfs/index.ts';
import { createPartFormat } from '../../src/formats/part-format.ts';
import { SluiceProcess, runSluice } from '../helpers/sluice-process.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';
import { withDeadline } from './support/deadline.ts';
import { uidOf } from './support/sequenced-input.ts';

const hdfs = useHdfs();
const SECRET_ENV = { SLUICE_SECRET_OSS_CREDS_ACCESSKEYID: TEST_KEY_ID, SLUICE_SECRET_OSS_CREDS_ACCESSKEYSECRET: TEST_KEY_SECRET };
const RECORDS = 120_000;

const csvLines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `${from + i},${uidOf(from + i)}\n`).join('');
const jsonLines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `{"seq": ${from + i}, "uid": ${uidOf(from + i)}}\n`).join('');

function parquetBytes(n: number, perGroup: number): Buffer {
  const { bulk } = createPartFormat({ type: 'parquet' }, [{ name: 'seq', type: 'BIGINT' }, { name: 'uid', type: 'INT' }], [0, 1]);
  const w = bulk!.create();
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    w.addElement([BigInt(i), uidOf(i)]);
    if ((i + 1) % perGroup === 0 && i + 1 < n) chunks.push(w.flush());
  }
  chunks.push(w.finish());
  return Buffer.concat(chunks);
}

/** One input per format: its files (name → bytes) and the job's format block. */
const INPUTS: Array<{ name: string; format: string; files: Record<string, Buffer> }> = [
  { name: 'CSV with header, plain + zstd', format: '{type: csv, header: true}', files: {
    'a.csv': Buffer.from(`seq,uid\n${csvLines(0, RECORDS / 2)}`),
    'b.csv.zst': zstdCompressSync(`seq,uid\n${csvLines(RECORDS / 2, RECORDS)}`),
  } },
  { name: 'gzip JSON lines', format: '{type: json}', files: { 'in.jsonl.gz': gzipSync(jsonLines(0, RECORDS)) } },
  { name: 'Parquet, 12 row groups', format: '{type: parquet}', files: { 'in.parquet': parquetBytes(RECORDS, 10_000) } },
];

interface Place { scheme: string; dir: string; put(name: string, data: Buffer): Promise<void>; storage: string }

async function runKillResume(place: Place, input: (typeof INPUTS)[number]): Promise<void> {
  for (const [name, data] of Object.entries(input.files)) await place.put(name, data);
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-src-storage-'));
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: src-storage}
spec:
  source:
    files: {path: "${place.dir}"}
    format: ${input.format}
    schema: [{name: seq, type: BIGINT}, {name: uid, type: INT}]
  transform: {query: "SELECT seq, uid, PMOD(uid, 3) AS pid FROM source"}
  sink: {path: out, format: {type: csv}, partitionBy: [pid]}
  checkpoint: {interval: 200ms}
  storage:
${place.storage}
`);
  const env = { ...SECRET_ENV, SLUICE_TEST_MAX_RATE: '40000' };
  const first = new SluiceProcess(['run', job, '--json'], env);
  // a checkpoint whose position is inside a file (not at its first record): the kill lands mid-read
  const mid = await withDeadline('a checkpoint in the middle of a file', 120_000, first.waitFor((e) => {
    const split = (e.source as { splits?: Array<{ id: string; position: string }> } | undefined)?.splits?.[0];
    return e.event === 'checkpoint' && split !== undefined && split.id !== '(done)' && split.position !== 'line 1' && Number(e.records) > 0;
  }));
  first.kill('SIGKILL');
  const x = await first.exited;
  assert.equal(x.signal, 'SIGKILL', `the first run ended before the kill: ${first.stderr}`);
  const again = await runSluice(['run', job, '--json'], SECRET_ENV);
  assert.equal(again.code, 0, again.stderr);
  const restore = again.events.find((e) => e.event === 'restore');
  assert.notEqual(restore?.restoredId, null, 'the second run resumed from a checkpoint');
  const summary = again.events.find((e) => e.event === 'summary');
  assert.equal(summary?.recordsCommitted, RECORDS, 'the committed count carries over the restore');

  const seen = new Uint8Array(RECORDS);
  for (const pid of [0, 1, 2]) {
    for (const line of await readLines(await visibleFiles(path.join(dir, 'out', `pid=${pid}`)))) {
      const [s, u] = line.split(',').map(Number);
      assert.equal(u, uidOf(s!), `seq ${s} carries uid ${u}`);
      assert.equal(u! % 3, pid);
      assert.equal(seen[s!], 0, `seq ${s} twice (${input.name} on ${place.scheme}; killed at ${JSON.stringify(mid.source)})`);
      seen[s!] = 1;
    }
  }
  assert.equal(seen.indexOf(0), -1, `seq ${seen.indexOf(0)} missing (${input.name} on ${place.scheme})`);
}

test('hdfs://, oss:// and jfs:// inputs in every format: SIGKILL mid-read, resume, every record exactly once', { timeout: 900_000 }, async (t) => {
  const emu = await startTestEmulator();
  t.after(() => emu.dispose());
  const oss = emulatorClient(emu.emulator);
  const ossStorage = `    oss: {endpoint: "${emu.emulator.endpoint}", region: ${emu.emulator.region}, pathStyle: true, credentialsSecret: oss-creds}`;
  const rpc = hdfs.namenode.replace('hdfs://', '');
  const hdfsStorage = createHdfsStorage({ namenodes: { [rpc]: hdfs.webhdfs } });
  t.after(() => hdfsStorage.close());
  const places = (run: string): Place[] => [
    {
      scheme: 'hdfs', dir: `${hdfs.namenode}/sluice-test/src-${run}`, storage: `    hdfs: {namenodes: {"${rpc}": "${hdfs.webhdfs}"}}`,
      put: (name, data) => hdfsStorage.put(`${hdfs.namenode}/sluice-test/src-${run}/${name}`, data),
    },
    {
      scheme: 'oss', dir: `oss://${TEST_BUCKET}/src-${run}`, storage: ossStorage,
      put: async (name, data) => void (await oss.put(`src-${run}/${name}`, data)),
    },
    {
      scheme: 'jfs', dir: `jfs://test/src-${run}`,
      storage: `    jindofs:\n      namespaces:\n        test: {mode: cache, ossUri: "oss://${TEST_BUCKET}/jfs-root", endpoint: "${emu.emulator.endpoint}", region: ${emu.emulator.region}, pathStyle: true, credentialsSecret: oss-creds}`,
      put: async (name, data) => void (await oss.put(`jfs-root/src-${run}/${name}`, data)),
    },
  ];
  for (const input of INPUTS) {
    for (const place of places(randomUUID())) {
      await runKillResume(place, input);
      t.diagnostic(`${input.name} on ${place.scheme}://: killed mid-read, resumed, exactly once`);
    }
  }
});

/**
 * Exactly once on oss:// and jfs:// (cache mode on OSS) under kill -9, OSS faults and an OSS
 * crash. The OSS emulator runs as its own process (data on disk), so it can be killed and
 * restarted. A child `sluice run` ingests sequenced JSON records into CSV partitioned by
 * PMOD(uid, 3), 512 KB files in 100 KB multipart parts, 250 ms checkpoints whose state lives on
 * OSS too (`<sink>/_sluice`), credentials from a Secret (SLUICE_SECRET_* env vars).
 *
 * The runner is SIGKILLed at random moments and at failpoints inside the commit protocol; OSS
 * answers 5xx at a rate all along (some after the operation ran, so the answer of a Complete or
 * a forbid-overwrite Put is lost), resets one connection, answers one request slowly, and is
 * killed and restarted once under a working runner. In the end, read with a plain ali-oss
 * client: every record exactly once in its partition, `_SUCCESS` per partition, no hidden temp
 * object, and no multipart upload left open under the prefix.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import OSS from 'ali-oss';
import type { FaultRule } from '../oss-emulator/faults.ts';
import { TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET } from '../oss-emulator/test-helpers.ts';
import type { AliOssOptions } from '../oss-emulator/test-helpers.ts';
import { runSluice } from '../helpers/sluice-process.ts';
import { runCrashPlan } from './support/crash-plan.ts';
import type { CrashStep } from './support/crash-plan.ts';
import { EmulatorProcess } from './support/emulator-process.ts';
import { openUploads, ossTree } from './support/oss-tree.ts';
import { crashSeed, prng } from '../helpers/prng.ts';
import { sequencedJobYaml, writeSequencedInput } from './support/sequenced-input.ts';
import { checkExactlyOnce, gzipCsv, parquetSeqUid, type FileDecoder } from './support/sink-check.ts';

/** The sink formats the oss:// crash test runs with, and the independent reader of their files. */
const FORMATS: Array<{ name: string; format: string; decode?: FileDecoder }> = [
  { name: 'CSV', format: '{type: csv}' },
  { name: 'gzip CSV', format: '{type: csv, compression: gzip}', decode: gzipCsv },
  { name: 'Parquet', format: '{type: parquet}', decode: parquetSeqUid },
];

const SECRET_ENV = { SLUICE_SECRET_OSS_CREDS_ACCESSKEYID: TEST_KEY_ID, SLUICE_SECRET_OSS_CREDS_ACCESSKEYSECRET: TEST_KEY_SECRET };
/** Every operation the backend uses, for faults that may hit any of them. */
const WRITES = ['InitiateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'PutObject', 'DeleteObject'];
const READS = ['GetObject', 'HeadObject', 'ListObjectsV2', 'ListMultipartUploads'];

/** 5xx at a rate on everything; on Complete and Put some land first and only the answer is lost. */
const BACKGROUND_FAULTS: FaultRule[] = [
  { kind: 'error', operation: ['CompleteMultipartUpload', 'PutObject'], rate: 0.05, when: 'after' },
  { kind: 'error', operation: [...WRITES, ...READS], rate: 0.03, code: 'ServiceUnavailable' },
];

function client(emu: EmulatorProcess): OSS {
  const o: AliOssOptions = {
    endpoint: emu.endpoint, sldEnable: true, region: `oss-${emu.region}`, bucket: TEST_BUCKET,
    accessKeyId: TEST_KEY_ID, accessKeySecret: TEST_KEY_SECRET, timeout: 30_000,
  };
  return new OSS(o);
}

interface Setup {
  emu: EmulatorProcess;
  dir: string;
  job: string;
}

async function setup(t: TestContext, records: number, sink: string, storage: (emu: EmulatorProcess) => string, format?: string): Promise<Setup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-oss-crash-'));
  const emu = await EmulatorProcess.start({ dataDir: path.join(dir, 'oss-data'), bucket: TEST_BUCKET, accessKeyId: TEST_KEY_ID, accessKeySecret: TEST_KEY_SECRET });
  t.after(async () => {
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  });
  // ~45 bytes a CSV line: 512 KB files of ~11,000 records, in several 100 KB parts. The runner
  // does ~150,000 records/s here, so it takes this many records for every kill to land.
  await writeSequencedInput(path.join(dir, 'in.jsonl'), records, 30);
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, sequencedJobYaml({ name: 'oss-crash', sink, fileSize: '512kb', pad: true, uploadPartSize: '100kb', storage: storage(emu), ...(format === undefined ? {} : { format }) }));
  return { emu, dir, job };
}

/** Run to the end with no faults, then check what a reader of the bucket sees. */
async function finishAndCheck(t: TestContext, s: Setup, records: number, prefix: string, seed: number, decode?: FileDecoder): Promise<void> {
  const final = await runSluice(['run', s.job, '--json'], SECRET_ENV);
  assert.equal(final.code, 0, final.stderr);
  const summary = final.events.find((e) => e.event === 'summary');
  assert.equal(summary?.finished, true);
  assert.equal(summary?.recordsCommitted, records);
  await s.emu.clearFaults();
  const oss = client(s.emu);
  const out = await checkExactlyOnce(ossTree(oss, prefix), records, seed, decode === undefined ? {} : { decode });
  assert.ok(out.visibleFiles > 3, `only ${out.visibleFiles} visible objects: the small fileSize did not roll`);
  assert.deepEqual(await openUploads(oss, `${prefix}/`), [], `multipart uploads left open under ${prefix}/ (seed ${seed})`);
  t.diagnostic(`${out.visibleFiles} visible objects, ${out.bytes} bytes`);
}

const random = (maxDelayMs: number): CrashStep => ({ kind: 'random', maxDelayMs });
/** After a checkpoint: the moment can fall inside the next checkpoint's uploads and Completes. */
const randomLater = (maxDelayMs: number): CrashStep => ({ kind: 'random', maxDelayMs, after: 'checkpoint' });
const fp = (failpoints: string): CrashStep => ({ kind: 'failpoint', failpoints });

for (const f of FORMATS) {
  test(`oss:// sink, ${f.name}: SIGKILL, 5xx/reset/slow faults and an OSS restart: every record exactly once, no upload left open`, { timeout: 480_000 }, async (t) => {
    const RECORDS = 2_500_000;
    const seed = crashSeed();
    const rand = prng(seed);
    const prefix = `crash-${randomUUID()}/out`;
    const s = await setup(t, RECORDS, `oss://${TEST_BUCKET}/${prefix}`, (emu) =>
      `    oss: {endpoint: "${emu.endpoint}", region: ${emu.region}, pathStyle: true, credentialsSecret: oss-creds}`, f.format);
    await s.emu.addFaults(BACKGROUND_FAULTS);
    const fired: Record<string, number> = {};
    const tally = async (): Promise<void> => {
      for (const f of await s.emu.faults()) fired[`${f.kind}${f.when === 'after' ? '-after' : ''}`] = (fired[`${f.kind}${f.when === 'after' ? '-after' : ''}`] ?? 0) + f.fired;
    };
    const resetAndSlow: CrashStep = {
      kind: 'disruption', name: 'a connection reset and a slow answer',
      disrupt: () => s.emu.addFaults([
        { kind: 'reset', operation: 'UploadPart', nth: 1 },
        { kind: 'slow', operation: ['CompleteMultipartUpload', 'PutObject'], nth: 1, delayMs: 1500 },
      ]),
    };
    const ossCrash: CrashStep = {
      kind: 'disruption', name: 'OSS killed and restarted',
      disrupt: async () => {
        await tally(); // the rules live in the emulator's memory: count before the crash wipes them
        await s.emu.restart('SIGKILL');
        await s.emu.addFaults(BACKGROUND_FAULTS);
      },
    };
    const steps: CrashStep[] = [
      fp('after-record:1'), random(400), fp('mid-commit:2'), resetAndSlow, randomLater(300), fp('before-marker:1'), ossCrash,
      random(400), fp('mid-recovery:1'), randomLater(300), fp('mid-commit:1'), random(400), fp('after-record:2'), randomLater(300), fp('before-marker:2'), random(400),
    ];
    const r = await runCrashPlan({ job: s.job, env: SECRET_ENV, steps, random: rand, maxRate: 150_000 });
    await tally();
    t.diagnostic(`seed ${seed}: ${r.log.join('; ')}; faults fired: ${JSON.stringify(fired)}`);
    assert.equal(r.finishedEarly, false, `the job finished before the plan ran out (seed ${seed}): ${r.log.join('; ')}`);
    assert.ok(r.kills >= 12, `only ${r.kills} kills landed (seed ${seed}): ${r.log.join('; ')}`);
    assert.equal(r.rodeOut + r.failedDuringDisruption, 2, `a disruption did not hit a working runner: ${r.log.join('; ')}`);
    for (const kind of ['error', 'error-after', 'reset', 'slow']) assert.ok((fired[kind] ?? 0) > 0, `no ${kind} fault fired: ${JSON.stringify(fired)}`);
    assert.ok(!r.output.includes(TEST_KEY_SECRET), 'the secret key never appears in any runner output');

    await finishAndCheck(t, s, RECORDS, prefix, seed, f.decode);
  });
}

test('jfs:// sink (cache-mode namespace on OSS): SIGKILL and 5xx faults: every record exactly once, no upload left open', { timeout: 240_000 }, async (t) => {
  const RECORDS = 1_200_000;
  const seed = crashSeed();
  const rand = prng(seed);
  const run = randomUUID();
  const s = await setup(t, RECORDS, `jfs://test/crash-${run}/out`, (emu) => `    jindofs:
      namespaces:
        test: {mode: cache, ossUri: "oss://${TEST_BUCKET}/jfs-root", endpoint: "${emu.endpoint}", region: ${emu.region}, pathStyle: true, credentialsSecret: oss-creds}`);
  await s.emu.addFaults(BACKGROUND_FAULTS);
  const steps: CrashStep[] = [
    fp('after-record:1'), random(300), fp('mid-commit:2'), randomLater(300), fp('before-marker:1'), random(300), fp('mid-recovery:1'), randomLater(300),
  ];
  const r = await runCrashPlan({ job: s.job, env: SECRET_ENV, steps, random: rand, maxRate: 150_000 });
  const fired = (await s.emu.faults()).reduce((n, f) => n + f.fired, 0);
  t.diagnostic(`seed ${seed}: ${r.log.join('; ')}; ${fired} faults fired`);
  assert.equal(r.finishedEarly, false, `the job finished before the plan ran out (seed ${seed}): ${r.log.join('; ')}`);
  assert.ok(r.kills >= 7, `only ${r.kills} kills landed (seed ${seed}): ${r.log.join('; ')}`);
  assert.ok(fired > 0, 'no fault fired');
  assert.ok(!r.output.includes(TEST_KEY_SECRET), 'the secret key never appears in any runner output');

  await finishAndCheck(t, s, RECORDS, `jfs-root/crash-${run}/out`, seed);
});

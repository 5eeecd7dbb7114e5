/**
 * `sluice run` applies `spec.restartPolicy` in its own process: when OSS answers 503 for longer
 * than the backend's own retries, the job fails with a retriable error, waits out the backoff,
 * restores from its last checkpoint and goes on, and what a reader sees in the end is every
 * record exactly once. With the restarts used up it exits 1, and the next run finishes the job.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SluiceProcess, runSluice } from '../helpers/sluice-process.ts';
import type { SluiceEvent } from '../helpers/sluice-process.ts';
import { TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET, emulatorClient, startTestEmulator } from '../oss-emulator/test-helpers.ts';
import type { TestEmulator } from '../oss-emulator/test-helpers.ts';
import { sequencedJobYaml, writeSequencedInput } from '../e2e/support/sequenced-input.ts';
import { checkExactlyOnce } from '../e2e/support/sink-check.ts';
import { openUploads, ossTree } from '../e2e/support/oss-tree.ts';
import { withDeadline } from '../e2e/support/deadline.ts';

const RECORDS = 150_000;
const SECRET_ENV = { SLUICE_SECRET_OSS_CREDS_ACCESSKEYID: TEST_KEY_ID, SLUICE_SECRET_OSS_CREDS_ACCESSKEYSECRET: TEST_KEY_SECRET };
/** Slow enough that the job is still running when the fault comes (a bound, not a wait). */
const RATE_ENV = { SLUICE_TEST_MAX_RATE: '50000' };

interface Setup {
  emu: TestEmulator;
  job: string;
  prefix: string;
}

async function setup(t: TestContext, maxRestarts: number): Promise<Setup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-run-restart-'));
  const emu = await startTestEmulator();
  t.after(async () => {
    await emu.dispose();
    await rm(dir, { recursive: true, force: true });
  });
  await writeSequencedInput(path.join(dir, 'in.jsonl'), RECORDS, 20);
  const prefix = `restart-${randomUUID()}/out`;
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, sequencedJobYaml({
    name: 'run-restart',
    sink: `oss://${TEST_BUCKET}/${prefix}`,
    fileSize: '256kb',
    pad: true,
    uploadPartSize: '100kb',
    extra: `  restartPolicy: {maxRestarts: ${maxRestarts}, backoff: {initial: 100ms, max: 400ms}}\n`,
    storage: `    oss: {endpoint: "${emu.emulator.endpoint}", region: ${emu.emulator.region}, pathStyle: true, credentialsSecret: oss-creds}`,
  }));
  return { emu, job, prefix };
}

const byKind = (events: SluiceEvent[], kind: string): SluiceEvent[] => events.filter((e) => e.event === kind);

async function assertExactlyOnce(s: Setup): Promise<void> {
  const oss = emulatorClient(s.emu.emulator);
  await checkExactlyOnce(ossTree(oss, s.prefix), RECORDS, 0);
  assert.deepEqual(await openUploads(oss, `${s.prefix}/`), [], 'multipart uploads left open');
}

test('OSS 503s outlast the client retries: sluice run restarts from its checkpoint in process and finishes exactly once', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, 5);
  const p = new SluiceProcess(['run', s.job, '--json'], { ...SECRET_ENV, ...RATE_ENV });
  await withDeadline('a first checkpoint', 60_000, p.waitFor((e) => e.event === 'checkpoint'));
  // Every request fails until the job has given up on its retries and announced a restart.
  s.emu.emulator.faults.add({ kind: 'error', code: 'ServiceUnavailable', rate: 1 });
  const restarting = await withDeadline('a restarting event', 60_000, p.waitFor((e) => e.event === 'restarting'));
  s.emu.emulator.faults.clear();
  assert.equal(restarting.restart, 1);
  assert.equal(restarting.maxRestarts, 5);
  assert.match(String(restarting.reason), /ServiceUnavailable|503/);
  const x = await withDeadline('the job to end', 90_000, p.exited);
  assert.equal(x.code, 0, p.stderr);
  const restarts = byKind(p.events, 'restarting').length;
  assert.equal(byKind(p.events, 'restore').length, restarts + 1, 'each restart restores once more');
  const summary = byKind(p.events, 'summary')[0];
  assert.equal(summary?.finished, true);
  assert.equal(summary?.recordsCommitted, RECORDS);
  assert.ok(!p.stderr.includes(TEST_KEY_SECRET) && !JSON.stringify(p.events).includes(TEST_KEY_SECRET), 'the secret never appears');
  await assertExactlyOnce(s);
  t.diagnostic(`${restarts} restart(s); ${s.emu.emulator.stats().faultsFired} faults fired`);
});

test('with the restarts used up sluice run exits 1; the next run finishes the job exactly once', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, 1);
  const p = new SluiceProcess(['run', s.job, '--json'], { ...SECRET_ENV, ...RATE_ENV });
  await withDeadline('a first checkpoint', 60_000, p.waitFor((e) => e.event === 'checkpoint'));
  s.emu.emulator.faults.add({ kind: 'error', code: 'ServiceUnavailable', rate: 1 });
  const x = await withDeadline('the job to fail', 90_000, p.exited);
  assert.equal(x.code, 1, p.stderr);
  assert.equal(byKind(p.events, 'restarting').length, 1);
  assert.match(p.stderr, /sluice: job run-restart failed: .*(ServiceUnavailable|503)/);
  assert.equal(byKind(p.events, 'summary').length, 0);

  s.emu.emulator.faults.clear();
  const again = await runSluice(['run', s.job, '--json'], SECRET_ENV);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(byKind(again.events, 'summary')[0]?.recordsCommitted, RECORDS);
  await assertExactlyOnce(s);
});

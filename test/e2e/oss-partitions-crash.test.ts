/**
 * Many partitions on oss:// (the OSS emulator in its own process) under `ulimit -n 256`
 * (issue 11): 4,000 sequenced records of ~2 KB round robin over PMOD(seq, 2000) (2 per
 * partition), a 1 MB sink memory budget and maxOpenFiles 128, so the last run opens multipart
 * uploads by the hundred and maxOpenFiles rolls the least recently written. An open
 * upload holds no descriptor, but every part upload, Complete and `_SUCCESS` Put in flight holds
 * a connection (with commitConcurrency at 1000 this test fails with EMFILE). The runner is
 * SIGKILLed 8 times, at random moments and at each failpoint inside the commit protocol
 * (support/partitions-crash.ts), then run to the end under the same limit. Read back with a
 * plain ali-oss client: every record exactly once, `_SUCCESS` in all 2,000 partitions, no
 * hidden temp object, and no multipart upload left open under the prefix.
 *
 * 2,000 partitions, not 10,000: the emulator completes ~130 part files a second (an Initiate,
 * an UploadPart and a Complete each, ~400 requests/s whatever the concurrency on this 2-core
 * machine), and round robin under these bounds makes about one file per record: 10,000
 * partitions of 3 records took 7 minutes. 2,000 is still eight times the descriptor limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import OSS from 'ali-oss';
import { TEST_BUCKET, TEST_KEY_ID, TEST_KEY_SECRET } from '../oss-emulator/test-helpers.ts';
import type { AliOssOptions } from '../oss-emulator/test-helpers.ts';
import { EmulatorProcess } from './support/emulator-process.ts';
import { openUploads, ossTree } from './support/oss-tree.ts';
import { runPartitionsCrash } from './support/partitions-crash.ts';

const PARTITIONS = 2_000;
const SECRET_ENV = { SLUICE_SECRET_OSS_CREDS_ACCESSKEYID: TEST_KEY_ID, SLUICE_SECRET_OSS_CREDS_ACCESSKEYSECRET: TEST_KEY_SECRET };

test(`${PARTITIONS.toLocaleString('en')} partitions on oss:// under ulimit -n 256, SIGKILLs at random and inside the protocol: every record exactly once, every partition committed, no upload left open`, { timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-oss-partitions-'));
  const emu = await EmulatorProcess.start({ dataDir: path.join(dir, 'oss-data'), bucket: TEST_BUCKET, accessKeyId: TEST_KEY_ID, accessKeySecret: TEST_KEY_SECRET });
  t.after(async () => {
    await emu.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const o: AliOssOptions = {
    endpoint: emu.endpoint, sldEnable: true, region: `oss-${emu.region}`, bucket: TEST_BUCKET,
    accessKeyId: TEST_KEY_ID, accessKeySecret: TEST_KEY_SECRET, timeout: 30_000,
  };
  const client = new OSS(o);
  const prefix = `partitions-${randomUUID()}/out`;
  await runPartitionsCrash(t, {
    name: 'partitions-oss', dir, partitions: PARTITIONS, records: 4_000, padBytes: 2000, memoryBudget: '1MB', sink: `oss://${TEST_BUCKET}/${prefix}`,
    storage: `    oss: {endpoint: "${emu.endpoint}", region: ${emu.region}, pathStyle: true, credentialsSecret: oss-creds}`,
    env: SECRET_ENV, commitConcurrency: 32, steps: 8, checkpointIntervalMs: 1000, maxRate: 240, maxDelayMs: 1000, stepDeadlineMs: 120_000,
    tree: ossTree(client, prefix),
  });
  assert.deepEqual(await openUploads(client, `${prefix}/`), [], `multipart uploads left open under ${prefix}/`);
});

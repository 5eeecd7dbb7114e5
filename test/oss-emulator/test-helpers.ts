/**
 * Shared by the emulator's own tests and the OSS storage integration tests: a throwaway
 * emulator in a temp dir and ali-oss clients configured for it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { startOssEmulator } from './server.ts';
import type { OssEmulator } from './server.ts';

export const TEST_KEY_ID = 'LTAItestkeyid000001';
export const TEST_KEY_SECRET = 'test-secret-do-not-log-0123456789';
export const TEST_BUCKET = 'sluice-test';

/** ali-oss options its typings omit. */
export type AliOssOptions = OSS.Options & { sldEnable?: boolean; retryMax?: number };

export interface TestEmulator {
  emulator: OssEmulator;
  dataDir: string;
  /** Stop the emulator and delete its data dir. */
  dispose(): Promise<void>;
}

export async function startTestEmulator(opts: { dataDir?: string; buckets?: string[] } = {}): Promise<TestEmulator> {
  const dataDir = opts.dataDir ?? await mkdtemp(join(tmpdir(), 'oss-emulator-'));
  const emulator = await startOssEmulator({
    dataDir,
    buckets: opts.buckets ?? [TEST_BUCKET],
    credentials: { [TEST_KEY_ID]: TEST_KEY_SECRET },
  });
  return {
    emulator,
    dataDir,
    dispose: async () => {
      await emulator.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * An ali-oss client for the emulator. Path style: `endpoint` http://localhost:PORT with
 * `sldEnable: true`. `ip: true` instead uses http://127.0.0.1:PORT without sldEnable, where
 * ali-oss names the bucket in the Host header (virtual-hosted style, like real OSS).
 */
export function emulatorClient(emulator: OssEmulator, opts: { v4?: boolean; ip?: boolean; secret?: string; keyId?: string; bucket?: string; timeout?: number } = {}): OSS {
  const options: AliOssOptions = {
    endpoint: opts.ip ? emulator.ipEndpoint : emulator.endpoint,
    sldEnable: !opts.ip,
    region: `oss-${emulator.region}`,
    bucket: opts.bucket ?? TEST_BUCKET,
    accessKeyId: opts.keyId ?? TEST_KEY_ID,
    accessKeySecret: opts.secret ?? TEST_KEY_SECRET,
    authorizationV4: opts.v4 ?? false,
    timeout: opts.timeout ?? 10000,
  };
  return new OSS(options);
}

/** Deterministic bytes of a given size (so content checks can fail meaningfully). */
export function bytes(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** ali-oss errors carry `code` and `status`. */
export function ossCode(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

/** ali-oss options carrying x-oss-meta-* (its typings insist on uid/pid fields). */
export function withMeta(meta: Record<string, string>): OSS.PutObjectOptions & OSS.InitMultipartUploadOptions {
  return { meta: meta as unknown as OSS.UserMeta };
}

/**
 * The remote storages a bench job writes to, as the job sees them: hdfs:// on the stack's
 * MiniDFSCluster and oss:// on the stack's OSS emulator. `withRemoteTarget` starts the service if
 * it is not running (and stops it afterwards only then), and hands the section a sink URL per
 * run, the `spec.storage` lines and env the job needs, and a way to delete a run's output.
 */
import OSS from 'ali-oss';
import hdfs, { hdfsEnv } from '../../test/stack/services/hdfs.ts';
import oss from '../../test/stack/services/oss.ts';
import { WebHdfsClient } from '../../src/storage/hdfs/index.ts';

export type RemoteName = 'hdfs' | 'oss';

export interface RemoteTarget {
  name: RemoteName;
  /** The URL of `rel` below this section's own directory (`sluice-bench/<section>-<time>/`). */
  url(rel: string): string;
  /** YAML lines under `spec.storage:` (indented by 4). */
  storage: string;
  /** Env for the job's process (the OSS credentials secret). */
  env: Record<string, string>;
  /** Delete everything below url(rel). */
  remove(rel: string): Promise<void>;
}

type AliOptions = OSS.Options & { sldEnable?: boolean };

/** An ali-oss client for the emulator at `env` (as `oss.up()` prints it). */
export function ossClient(env: Record<string, string>): OSS {
  const options: AliOptions = {
    endpoint: env.OSS_ENDPOINT!, sldEnable: true, region: `oss-${env.OSS_REGION}`, bucket: env.OSS_BUCKET,
    accessKeyId: env.OSS_ACCESS_KEY_ID!, accessKeySecret: env.OSS_ACCESS_KEY_SECRET!, timeout: 120_000,
  };
  return new OSS(options);
}

export async function listAll(client: OSS, prefix: string): Promise<Array<{ name: string; size: number }>> {
  const out: Array<{ name: string; size: number }> = [];
  let token: string | undefined;
  for (;;) {
    const res = await client.listV2({ prefix, 'max-keys': '1000', ...(token ? { 'continuation-token': token } : {}) }, {});
    for (const o of res.objects ?? []) out.push({ name: o.name, size: o.size });
    if (!res.isTruncated || !res.nextContinuationToken) return out;
    token = res.nextContinuationToken;
  }
}

async function withHdfs<T>(dir: string, fn: (t: RemoteTarget) => Promise<T>): Promise<T> {
  const started = (await hdfs.status()) === null;
  if (started) await hdfs.up();
  try {
    const env = hdfsEnv();
    const client = new WebHdfsClient({ baseUrl: env.HDFS_WEBHDFS });
    return await fn({
      name: 'hdfs',
      url: (rel) => `${env.HDFS_NAMENODE}/${dir}/${rel}`,
      storage: `    hdfs: {namenodes: {"${new URL(env.HDFS_NAMENODE).host}": "${env.HDFS_WEBHDFS}"}}`,
      env: {},
      remove: async (rel) => void (await client.delete(`/${dir}/${rel}`, { recursive: true })),
    });
  } finally {
    if (started) await hdfs.down();
  }
}

async function withOss<T>(dir: string, fn: (t: RemoteTarget) => Promise<T>): Promise<T> {
  const started = (await oss.status()) === null;
  const env = started ? await oss.up() : (await oss.status())!;
  try {
    const client = ossClient(env);
    return await fn({
      name: 'oss',
      url: (rel) => `oss://${env.OSS_BUCKET}/${dir}/${rel}`,
      storage: `    oss: {endpoint: "${env.OSS_ENDPOINT}", region: ${env.OSS_REGION}, pathStyle: true, credentialsSecret: bench-oss}`,
      env: { SLUICE_SECRET_BENCH_OSS_ACCESSKEYID: env.OSS_ACCESS_KEY_ID!, SLUICE_SECRET_BENCH_OSS_ACCESSKEYSECRET: env.OSS_ACCESS_KEY_SECRET! },
      remove: async (rel) => {
        const keys = (await listAll(client, `${dir}/${rel}/`)).map((o) => o.name);
        for (let i = 0; i < keys.length; i += 1000) await client.deleteMulti(keys.slice(i, i + 1000), { quiet: true });
      },
    });
  } finally {
    if (started) await oss.down();
  }
}

/** Run `fn` against `name`, below `sluice-bench/<section>-<time>/`. */
export function withRemoteTarget<T>(name: RemoteName, section: string, fn: (t: RemoteTarget) => Promise<T>): Promise<T> {
  const dir = `sluice-bench/${section}-${Date.now()}`;
  return name === 'hdfs' ? withHdfs(dir, fn) : withOss(dir, fn);
}

/**
 * A real HDFS for tests: Hadoop's MiniDFSCluster (NameNode + 1 DataNode in one JVM) with
 * WebHDFS, fetched from Maven Central by `test/stack/hdfs/pom.xml` and started by the
 * single-file Java program `test/stack/hdfs/MiniHdfs.java`. See test/stack/hdfs/README.md.
 *
 * Ports: NameNode RPC 18020 and HTTP (WebHDFS) 19870; override with HDFS_RPC_PORT and
 * HDFS_HTTP_PORT. Jars: `.cache/hdfs/lib`. State: `.cache/stack/hdfs/` (cluster data, pid,
 * log). `restartHdfs()` stops and starts the same cluster (same ports, format=false), so
 * files written before the restart are still there after it.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemonPid, spawnDaemon, stopDaemon, waitUntilReady } from '../daemon.ts';
import { fetchRuntimeJars, javaBinary, libDir } from '../maven.ts';
import type { RuntimeJars } from '../maven.ts';
import { portFromEnv } from '../ports.ts';
import type { Service } from '../service.ts';
import { waitFor } from '../wait-for.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const hdfsDir = join(repoRoot, 'test', 'stack', 'hdfs');
const pom = join(hdfsDir, 'pom.xml');
const mainSource = join(hdfsDir, 'MiniHdfs.java');
const jars: RuntimeJars = {
  name: 'hdfs', pom, cacheDir: join(repoRoot, '.cache', 'hdfs'), what: 'Hadoop minicluster jars',
  // The pom configures the copy's <outputDirectory> as ${hdfs.lib}, which -DoutputDirectory cannot override.
  outputDirProperty: 'hdfs.lib',
};
const stateDir = join(repoRoot, '.cache', 'stack', 'hdfs');
const clusterDir = join(stateDir, 'cluster');
const pidFile = join(stateDir, 'pid');
const logFile = join(stateDir, 'minihdfs.log');

/** Hadoop's own list for running on Java 17+ (hadoop-project/pom.xml `extraJavaTestArgs`). */
const JAVA_MODULE_ARGS = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens=java.base/java.math=ALL-UNNAMED',
  '--add-opens=java.base/java.net=ALL-UNNAMED',
  '--add-opens=java.base/java.text=ALL-UNNAMED',
  '--add-opens=java.base/java.util=ALL-UNNAMED',
  '--add-opens=java.base/java.util.concurrent=ALL-UNNAMED',
  '--add-opens=java.base/java.util.zip=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/sun.security.util=ALL-UNNAMED',
  '--add-opens=java.base/sun.security.x509=ALL-UNNAMED',
  '--add-exports=java.base/sun.net.dns=ALL-UNNAMED',
  '--add-exports=java.base/sun.net.util=ALL-UNNAMED',
];

const START_DEADLINE_MS = 120_000;
const STOP_DEADLINE_MS = 30_000;

export interface HdfsPorts {
  rpc: number;
  http: number;
}

export function hdfsPorts(): HdfsPorts {
  return { rpc: portFromEnv('HDFS_RPC_PORT', 18020), http: portFromEnv('HDFS_HTTP_PORT', 19870) };
}

/** What `up` prints: the WebHDFS base URL, the hdfs:// NameNode authority, and the pair as a mapping. */
export function hdfsEnv(ports: HdfsPorts = hdfsPorts()): Record<string, string> {
  return {
    HDFS_WEBHDFS: `http://127.0.0.1:${ports.http}`,
    HDFS_NAMENODE: `hdfs://127.0.0.1:${ports.rpc}`,
  };
}

async function install(): Promise<void> {
  await fetchRuntimeJars(jars);
}

/** True when WebHDFS answers GETFILESTATUS on `/` (the NameNode is up and serving HTTP). */
export async function webhdfsAnswers(ports: HdfsPorts = hdfsPorts()): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${ports.http}/webhdfs/v1/?op=GETFILESTATUS&user.name=sluice`, {
      signal: AbortSignal.timeout(2000),
    });
    const body = (await res.json()) as { FileStatus?: unknown };
    return res.ok && body.FileStatus !== undefined;
  } catch {
    return false;
  }
}

/** A formatted cluster has a NameNode VERSION file (`name-0-1/current/VERSION`); only the first start formats. */
function isFormatted(): boolean {
  if (!existsSync(clusterDir)) return false;
  return readdirSync(clusterDir).some((d) => d.startsWith('name-') && existsSync(join(clusterDir, d, 'current', 'VERSION')));
}

/**
 * Start the cluster on the configured ports and wait until it serves WebHDFS and has printed
 * its ready line (NameNode out of safe mode, DataNode registered). Keeps existing data.
 */
export async function startHdfs(): Promise<Record<string, string>> {
  const ports = hdfsPorts();
  const running = daemonPid(pidFile);
  if (running !== null) {
    await waitFor(`hdfs (pid ${running}) to answer on WebHDFS`, () => webhdfsAnswers(ports), { deadlineMs: START_DEADLINE_MS, logs: [logFile] });
    return hdfsEnv(ports);
  }
  if (await webhdfsAnswers(ports)) {
    throw new Error(`hdfs: port ${ports.http} already serves WebHDFS but not from ${pidFile}; stop that process or set HDFS_HTTP_PORT`);
  }
  await install();
  const format = !isFormatted();
  const args = [
    ...JAVA_MODULE_ARGS,
    // Small heap: NameNode + DataNode for tests, on a shared 2-core machine.
    '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
    '-cp', join(libDir(jars), '*'),
    mainSource,
    '--dir', clusterDir,
    '--rpc-port', String(ports.rpc),
    '--http-port', String(ports.http),
    ...(format ? ['--format'] : []),
  ];
  const pid = await spawnDaemon({ name: 'hdfs', command: javaBinary(), args, cwd: stateDir, pidFile, logFile });
  await waitUntilReady(pid, [
    // MiniHdfs prints it once the NameNode has left safe mode and the DataNode has registered.
    { what: 'MiniHdfs to print MINIHDFS READY', check: () => readFileSync(logFile, 'utf8').includes('MINIHDFS READY') },
    { what: 'hdfs to answer on WebHDFS', check: () => webhdfsAnswers(ports) },
  ], { name: 'hdfs', deadlineMs: START_DEADLINE_MS, logs: [logFile], kill: () => stopHdfs({ kill: true }) });
  return hdfsEnv(ports);
}

export interface StopOptions {
  /** SIGKILL instead of SIGTERM: a crash (no clean shutdown). */
  kill?: boolean;
}

/** Stop the cluster (its process group: SIGTERM, SIGKILL after 30 s) and keep its data. No error if it is not running. */
export async function stopHdfs(options: StopOptions = {}): Promise<void> {
  await stopDaemon(pidFile, { signal: options.kill === true ? 'SIGKILL' : 'SIGTERM', graceMs: STOP_DEADLINE_MS });
}

/**
 * Restart the same cluster (same ports, same data; the NameNode is not formatted again) for
 * "HDFS restarts mid-run" tests. `kill: true` simulates a crash instead of a clean stop.
 */
export async function restartHdfs(options: StopOptions = {}): Promise<Record<string, string>> {
  await stopHdfs(options);
  return startHdfs();
}

/** Stop the cluster and delete its data: the next start formats a fresh NameNode. */
export async function wipeHdfs(): Promise<void> {
  await stopHdfs();
  rmSync(clusterDir, { recursive: true, force: true });
}

const service: Service = {
  name: 'hdfs',
  install,
  up: startHdfs,
  down: () => stopHdfs(),
  async status() {
    if (daemonPid(pidFile) === null || !(await webhdfsAnswers())) return null;
    return hdfsEnv();
  },
};

export default service;

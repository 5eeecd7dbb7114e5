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
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Service } from '../service.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const hdfsDir = join(repoRoot, 'test', 'stack', 'hdfs');
const pom = join(hdfsDir, 'pom.xml');
const mainSource = join(hdfsDir, 'MiniHdfs.java');
const cacheDir = join(repoRoot, '.cache', 'hdfs');
const libDir = join(cacheDir, 'lib');
const m2Dir = join(cacheDir, 'm2');
const installedMarker = join(libDir, '.installed');
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

function portFromEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name}=${v} is not a TCP port`);
  return n;
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

function pomHash(): string {
  return createHash('sha256').update(readFileSync(pom)).digest('hex');
}

function isInstalled(): boolean {
  return existsSync(installedMarker) && readFileSync(installedMarker, 'utf8').trim() === pomHash();
}

async function install(): Promise<void> {
  if (isInstalled()) return;
  mkdirSync(libDir, { recursive: true });
  const started = Date.now();
  // -B: no colour codes in CI logs. The local repository stays under .cache/ so a fresh clone
  // needs nothing but Maven and Maven Central.
  const r = spawnSync(
    'mvn',
    ['-B', '-q', '-f', pom, `-Dmaven.repo.local=${m2Dir}`, `-Dhdfs.lib=${libDir}`, 'dependency:copy-dependencies'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.error !== undefined) throw new Error(`hdfs install: cannot run mvn (is Maven installed?): ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`hdfs install: mvn exited ${r.status}:\n${tail(`${r.stdout}\n${r.stderr}`, 40)}`);
  }
  writeFileSync(installedMarker, `${pomHash()}\n`);
  process.stderr.write(`# hdfs: installed Hadoop minicluster jars in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

function logTail(lines = 40): string {
  return existsSync(logFile) ? tail(readFileSync(logFile, 'utf8'), lines) : '(no log)';
}

function readPid(): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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

async function waitFor(what: string, deadlineMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let delay = 100;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`hdfs: ${what} within ${deadlineMs / 1000}s`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1000);
  }
}

function javaBinary(): string {
  const home = process.env.JAVA_HOME;
  return home !== undefined && home !== '' && existsSync(join(home, 'bin', 'java')) ? join(home, 'bin', 'java') : 'java';
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
  const running = readPid();
  if (running !== null && alive(running)) {
    await waitFor('did not answer on WebHDFS', START_DEADLINE_MS, () => webhdfsAnswers(ports));
    return hdfsEnv(ports);
  }
  if (await webhdfsAnswers(ports)) {
    throw new Error(`hdfs: port ${ports.http} already serves WebHDFS but not from ${pidFile}; stop that process or set HDFS_HTTP_PORT`);
  }
  await install();
  mkdirSync(stateDir, { recursive: true });
  const format = !isFormatted();
  const args = [
    ...JAVA_MODULE_ARGS,
    // Small heap: NameNode + DataNode for tests, on a shared 2-core machine.
    '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
    '-cp', join(libDir, '*'),
    mainSource,
    '--dir', clusterDir,
    '--rpc-port', String(ports.rpc),
    '--http-port', String(ports.http),
    ...(format ? ['--format'] : []),
  ];
  const out = openSync(logFile, 'w');
  // detached: its own process group, so it outlives the test process that started it and
  // `down` can signal the whole group.
  const child = spawn(javaBinary(), args, { cwd: stateDir, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`hdfs: cannot start java: ${(await spawnError).message}`);
  writeFileSync(pidFile, `${pid}\n`);
  try {
    await waitFor('did not print its ready line', START_DEADLINE_MS, () => {
      if (!alive(pid)) throw new Error('hdfs: MiniHdfs exited during start');
      return readFileSync(logFile, 'utf8').includes('MINIHDFS READY');
    });
    await waitFor('did not answer on WebHDFS', START_DEADLINE_MS, () => webhdfsAnswers(ports));
  } catch (e) {
    await stopHdfs({ kill: true });
    throw new Error(`${(e as Error).message}\n--- ${logFile} (tail) ---\n${logTail()}`, { cause: e });
  }
  return hdfsEnv(ports);
}

export interface StopOptions {
  /** SIGKILL instead of SIGTERM: a crash (no clean shutdown). */
  kill?: boolean;
}

/** Stop the cluster and keep its data. No error if it is not running. */
export async function stopHdfs(options: StopOptions = {}): Promise<void> {
  const pid = readPid();
  if (pid === null) return;
  const signal = options.kill === true ? 'SIGKILL' : 'SIGTERM';
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
  try {
    await waitFor(`pid ${pid} did not exit after ${signal}`, STOP_DEADLINE_MS, () => !alive(pid));
  } catch {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await waitFor(`pid ${pid} did not exit after SIGKILL`, 10_000, () => !alive(pid));
  }
  rmSync(pidFile, { force: true });
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
    const pid = readPid();
    if (pid === null || !alive(pid) || !(await webhdfsAnswers())) return null;
    return hdfsEnv();
  },
};

export default service;

/**
 * Java programs fetched from Maven Central by package name: a `pom.xml` lists what a service runs
 * (the Kafka broker, Hadoop's MiniDFSCluster), and `fetchRuntimeJars` copies those artifacts with
 * their runtime dependencies into one flat folder for `java -cp '<lib>/*'`. Nothing is built.
 *
 * Layout under `<repo>/.cache/<name>/`: `lib/` (the jars, plus `.installed` holding the pom's
 * SHA-256) and `m2/` (Maven's local repository, so a fresh clone needs only Maven and the registry).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tail } from './log-tail.ts';

export interface RuntimeJars {
  /** Names the service in errors and in the progress line (`kafka`). */
  name: string;
  /** The pom whose dependencies are fetched. */
  pom: string;
  /** `.cache/<name>`: gets `lib/` and `m2/`. */
  cacheDir: string;
  /** For the progress line: `installed <what> in 3.2s`. */
  what: string;
  /**
   * The Maven property that sets the copy's output directory. The dependency plugin's own is
   * `outputDirectory`, but a pom that configures `<outputDirectory>` itself ignores it, so such a
   * pom names its own property (`hdfs.lib`). @default 'outputDirectory'
   */
  outputDirProperty?: string;
}

/** Where the jars are: `<cacheDir>/lib`, for `-cp '<lib>/*'`. */
export function libDir(jars: Pick<RuntimeJars, 'cacheDir'>): string {
  return join(jars.cacheDir, 'lib');
}

function pomHash(pom: string): string {
  return createHash('sha256').update(readFileSync(pom)).digest('hex');
}

/** True when lib/ was filled from this very pom (its marker holds the pom's hash). */
export function jarsInstalled(jars: Pick<RuntimeJars, 'pom' | 'cacheDir'>): boolean {
  const marker = join(libDir(jars), '.installed');
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === pomHash(jars.pom);
}

/**
 * Runs `mvn dependency:copy-dependencies` (runtime scope) for the pom, unless lib/ already holds
 * the jars of this pom: a changed pom (a new version) fetches again, an unchanged one costs a hash.
 * The copy goes to a private folder that replaces lib/ only once complete, so two processes
 * installing at once never leave a half-filled lib/ behind.
 */
export async function fetchRuntimeJars(jars: RuntimeJars): Promise<void> {
  if (jarsInstalled(jars)) return;
  const started = Date.now();
  const lib = libDir(jars);
  const tmpLib = `${lib}.tmp-${process.pid}`;
  rmSync(tmpLib, { recursive: true, force: true });
  mkdirSync(jars.cacheDir, { recursive: true });
  // -B: no colour codes in CI logs. The local repository stays under .cache/.
  const r = spawnSync(
    'mvn',
    [
      '-B', '-q', '-f', jars.pom, `-Dmaven.repo.local=${join(jars.cacheDir, 'm2')}`, 'dependency:copy-dependencies',
      `-D${jars.outputDirProperty ?? 'outputDirectory'}=${tmpLib}`, '-DincludeScope=runtime',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.error !== undefined) throw new Error(`${jars.name} install: cannot run mvn (is Maven installed?): ${r.error.message}`);
  if (r.status !== 0) {
    rmSync(tmpLib, { recursive: true, force: true });
    throw new Error(`${jars.name} install: mvn -f ${jars.pom} exited ${r.status}:\n${tail(`${r.stdout}\n${r.stderr}`, 40)}`);
  }
  writeFileSync(join(tmpLib, '.installed'), `${pomHash(jars.pom)}\n`);
  rmSync(lib, { recursive: true, force: true });
  try {
    renameSync(tmpLib, lib);
  } catch (e) {
    // Another process installed the same pom between our rm and rename: theirs is as good.
    rmSync(tmpLib, { recursive: true, force: true });
    if (!jarsInstalled(jars)) throw e;
  }
  process.stderr.write(`# ${jars.name}: installed ${jars.what} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}

/** `$JAVA_HOME/bin/java` when JAVA_HOME names a JDK, else `java` from the PATH. */
export function javaBinary(): string {
  const home = process.env.JAVA_HOME;
  return home !== undefined && home !== '' && existsSync(join(home, 'bin', 'java')) ? join(home, 'bin', 'java') : 'java';
}

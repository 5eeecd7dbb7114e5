/**
 * fetchRuntimeJars with a stand-in `mvn` on the PATH (a shell script that records its arguments and
 * writes one jar where it is told), so the caching and the lib/ swap are tested without a download.
 * The real Maven run is covered by the kafka and hdfs service tests.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchRuntimeJars, jarsInstalled, javaBinary, libDir } from './maven.ts';
import type { RuntimeJars } from './maven.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-maven-'));
const binDir = join(dir, 'bin');
const callsFile = join(dir, 'mvn-calls');
const saved = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME };

mkdirSync(binDir);
writeFileSync(join(binDir, 'mvn'), `#!/bin/sh
echo "$*" >> "${callsFile}"
if [ -n "$FAKE_MVN_FAIL" ]; then echo "[ERROR] Could not resolve dependencies for project dev.sluice.test"; exit 3; fi
for a in "$@"; do
  case "$a" in -D"$FAKE_MVN_OUT_PROPERTY"=*) out="\${a#*=}" ;; esac
done
mkdir -p "$out" && echo jar > "$out/dep-1.0.jar"
`);
chmodSync(join(binDir, 'mvn'), 0o755);
process.env.PATH = `${binDir}:${saved.PATH ?? ''}`;

after(() => {
  process.env.PATH = saved.PATH;
  delete process.env.FAKE_MVN_OUT_PROPERTY;
  delete process.env.FAKE_MVN_FAIL;
  if (saved.JAVA_HOME === undefined) delete process.env.JAVA_HOME;
  else process.env.JAVA_HOME = saved.JAVA_HOME;
  rmSync(dir, { recursive: true, force: true });
});

let jars: RuntimeJars;
beforeEach(() => {
  const cacheDir = mkdtempSync(join(dir, 'cache-'));
  const pom = join(cacheDir, 'pom.xml');
  writeFileSync(pom, '<project><version>1</version></project>\n');
  jars = { name: 'demo', pom, cacheDir, what: 'demo jars' };
  rmSync(callsFile, { force: true });
  process.env.FAKE_MVN_OUT_PROPERTY = 'outputDirectory';
  delete process.env.FAKE_MVN_FAIL;
});

const calls = (): string[] => (existsSync(callsFile) ? readFileSync(callsFile, 'utf8').trim().split('\n') : []);

test('fetches once into lib/ with the pom hash as marker, then skips while the pom is unchanged', async () => {
  await fetchRuntimeJars(jars);
  assert.equal(calls().length, 1);
  assert.match(calls()[0] ?? '', new RegExp(`-f ${jars.pom} -Dmaven.repo.local=${join(jars.cacheDir, 'm2')} dependency:copy-dependencies -DoutputDirectory=\\S+ -DincludeScope=runtime`));
  assert.deepEqual(readdirSync(libDir(jars)).sort(), ['.installed', 'dep-1.0.jar']);
  assert.equal(jarsInstalled(jars), true);
  assert.deepEqual(readdirSync(jars.cacheDir).sort(), ['lib', 'pom.xml'], 'no temporary folder is left behind');

  await fetchRuntimeJars(jars);
  assert.equal(calls().length, 1, 'an unchanged pom does not run mvn again');

  writeFileSync(jars.pom, '<project><version>2</version></project>\n');
  assert.equal(jarsInstalled(jars), false);
  await fetchRuntimeJars(jars);
  assert.equal(calls().length, 2, 'a changed pom fetches again');
  assert.equal(jarsInstalled(jars), true);
});

test('a pom that sets its own output directory gets it through its property', async () => {
  process.env.FAKE_MVN_OUT_PROPERTY = 'hdfs.lib';
  await fetchRuntimeJars({ ...jars, outputDirProperty: 'hdfs.lib' });
  assert.match(calls()[0] ?? '', / -Dhdfs\.lib=\S+lib\.tmp-\d+ /);
  assert.ok(existsSync(join(libDir(jars), 'dep-1.0.jar')));
});

test('a failed mvn names the pom and the exit status, shows its output and keeps the old lib/', async () => {
  await fetchRuntimeJars(jars);
  writeFileSync(jars.pom, '<project><version>broken</version></project>\n');
  process.env.FAKE_MVN_FAIL = '1';
  await assert.rejects(fetchRuntimeJars(jars), (e: Error) => {
    assert.match(e.message, new RegExp(`^demo install: mvn -f ${jars.pom} exited 3:\\n`));
    assert.match(e.message, /Could not resolve dependencies/);
    return true;
  });
  assert.ok(existsSync(join(libDir(jars), 'dep-1.0.jar')), 'the previous jars are still there');
  assert.equal(jarsInstalled(jars), false, 'but they do not count as this pom\'s');
  assert.deepEqual(readdirSync(jars.cacheDir).sort(), ['lib', 'pom.xml']);
});

test('javaBinary: JAVA_HOME when it holds bin/java, else java from the PATH', () => {
  const home = join(dir, 'jdk');
  mkdirSync(join(home, 'bin'), { recursive: true });
  writeFileSync(join(home, 'bin', 'java'), '');
  process.env.JAVA_HOME = home;
  assert.equal(javaBinary(), join(home, 'bin', 'java'));
  process.env.JAVA_HOME = join(dir, 'not-a-jdk');
  assert.equal(javaBinary(), 'java');
  delete process.env.JAVA_HOME;
  assert.equal(javaBinary(), 'java');
});

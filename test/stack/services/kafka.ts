/**
 * A real Apache Kafka broker for tests: `kafka_2.13` 4.1.x from Maven Central
 * (`test/stack/kafka/pom.xml`), one JVM in KRaft combined mode (broker + controller) on
 * 127.0.0.1. See test/stack/kafka/README.md.
 *
 * Ports: broker 19092, controller 19093, SASL_PLAINTEXT 19094 (users in KAFKA_TEST_USERS), SSL
 * 19095 (a certificate from a test CA made with openssl on first start, `kafkaTlsFiles()`);
 * override with KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_SASL_PORT and KAFKA_TLS_PORT.
 * Jars: `.cache/kafka/lib`. State: `.cache/stack/kafka/` (data, server.properties, pid, logs).
 *
 * `up()` starts a fresh broker (empty data dir) unless one is already running, in which case it
 * returns how to reach it. `stopBroker()`/`startBroker()` keep the data dir, so a test can stop
 * and restart the broker mid-run and find its topics and offsets again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { daemonPid, spawnDaemon, stopDaemon, waitUntilReady } from '../daemon.ts';
import { tail } from '../log-tail.ts';
import { fetchRuntimeJars, javaBinary, libDir } from '../maven.ts';
import type { RuntimeJars } from '../maven.ts';
import { portFromEnv, portOpen } from '../ports.ts';
import type { Service } from '../service.ts';
import { waitFor } from '../wait-for.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const kafkaDir = join(repoRoot, 'test', 'stack', 'kafka');
const pom = join(kafkaDir, 'pom.xml');
const log4jConfig = join(kafkaDir, 'log4j2.properties');
const jars: RuntimeJars = { name: 'kafka', pom, cacheDir: join(repoRoot, '.cache', 'kafka'), what: 'broker jars' };
const stateDir = join(repoRoot, '.cache', 'stack', 'kafka');
const dataDir = join(stateDir, 'data');
const propertiesFile = join(stateDir, 'server.properties');
const pidFile = join(stateDir, 'pid');
const stdoutFile = join(stateDir, 'stdout.log');
const serverLog = join(stateDir, 'server.log');
/** What a failed start shows: the JVM's own output, then the broker's log4j log. */
const logs = [stdoutFile, serverLog];

/** Any fixed 16 bytes in base64url: a fixed id keeps `format` reproducible. */
const CLUSTER_ID = 'c2x1aWNlLXRlc3QtMDAwMA';
const START_DEADLINE_MS = 90_000;
const STOP_DEADLINE_MS = 30_000;

export interface KafkaPorts {
  broker: number;
  controller: number;
  /** A SASL_PLAINTEXT listener (PLAIN and SCRAM-SHA-256/512) for authentication tests. */
  sasl: number;
  /** An SSL listener whose certificate a test CA signed (`kafkaTlsFiles()`). */
  tls: number;
}

/**
 * Test-only users of the SASL listener (not secrets: they guard a broker on 127.0.0.1 that
 * lives for one test run). Each can log in with PLAIN and with both SCRAM mechanisms.
 */
export const KAFKA_TEST_USERS: Readonly<Record<string, string>> = { alice: 'alice-test-password', bob: 'bob-test-password' };

export function kafkaPorts(): KafkaPorts {
  return {
    broker: portFromEnv('KAFKA_PORT', 19092),
    controller: portFromEnv('KAFKA_CONTROLLER_PORT', 19093),
    sasl: portFromEnv('KAFKA_SASL_PORT', 19094),
    tls: portFromEnv('KAFKA_TLS_PORT', 19095),
  };
}

/** What `up` prints: `export KAFKA_BOOTSTRAP=127.0.0.1:19092` and the SASL listener's address. */
export function kafkaEnv(ports: KafkaPorts = kafkaPorts()): Record<string, string> {
  return { KAFKA_BOOTSTRAP: `127.0.0.1:${ports.broker}`, KAFKA_SASL_BOOTSTRAP: `127.0.0.1:${ports.sasl}`, KAFKA_TLS_BOOTSTRAP: `127.0.0.1:${ports.tls}`, KAFKA_TLS_CA: tlsFiles.ca };
}

const tlsDir = join(stateDir, 'tls');
/** The test CA's certificate (what a client trusts), the broker's key + chain (its PEM keystore). */
const tlsFiles = { ca: join(tlsDir, 'ca.pem'), caKey: join(tlsDir, 'ca-key.pem'), keystore: join(tlsDir, 'broker-keystore.pem') };

/** PEM files of the SSL listener: `ca` is what a client must trust to reach it. */
export function kafkaTlsFiles(): { ca: string } {
  return { ca: tlsFiles.ca };
}

/** openssl is on most machines; on a bare one it is installed here (as .ci/run does), so `npm test` works on a fresh machine. */
function ensureOpenssl(): void {
  if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0) return;
  spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq openssl'], { stdio: 'inherit' });
}

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error !== undefined) throw new Error(`kafka: cannot run openssl (install it: apt-get install -y openssl): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`kafka: openssl ${args[0]} exited ${r.status}: ${tail(r.stderr, 20)}`);
}

/**
 * A test CA and a broker certificate it signs for 127.0.0.1 and localhost, made once per
 * state dir. Kafka reads PEM keystores (KIP-651): the broker's unencrypted PKCS#8 key followed
 * by its certificate and the CA's, in one file.
 */
function ensureTlsFiles(): void {
  if (existsSync(tlsFiles.keystore) && existsSync(tlsFiles.ca)) return;
  mkdirSync(tlsDir, { recursive: true });
  ensureOpenssl();
  const key = join(tlsDir, 'broker-key.pem');
  const csr = join(tlsDir, 'broker.csr');
  const cert = join(tlsDir, 'broker.pem');
  const ext = join(tlsDir, 'broker.ext');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', tlsFiles.caKey, '-out', tlsFiles.ca, '-days', '30', '-subj', '/CN=sluice-test-ca']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', csr, '-CA', tlsFiles.ca, '-CAkey', tlsFiles.caKey, '-CAcreateserial', '-out', cert, '-days', '30', '-extfile', ext]);
  const pkcs8 = join(tlsDir, 'broker-key.pk8.pem');
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', key, '-out', pkcs8]);
  writeFileSync(tlsFiles.keystore, `${readFileSync(pkcs8, 'utf8')}${readFileSync(cert, 'utf8')}${readFileSync(tlsFiles.ca, 'utf8')}`);
}

/** Where the broker's own log is, for tests that want to show it when they fail. */
export const kafkaLogFile = serverLog;

function serverProperties(ports: KafkaPorts): string {
  return [
    '# Written by test/stack/services/kafka.ts on every start; edit that file, not this one.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller},SASL_PLAINTEXT://127.0.0.1:${ports.sasl},SSL://127.0.0.1:${ports.tls}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.broker},SASL_PLAINTEXT://127.0.0.1:${ports.sasl},SSL://127.0.0.1:${ports.tls}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL',
    // TLS for client tests: a PEM keystore (key + chain) made by ensureTlsFiles; no client certificates.
    'listener.name.ssl.ssl.keystore.type=PEM',
    `listener.name.ssl.ssl.keystore.location=${tlsFiles.keystore}`,
    'listener.name.ssl.ssl.client.auth=none',
    'inter.broker.listener.name=PLAINTEXT',
    // SASL for client tests only; brokers talk PLAINTEXT among themselves. SCRAM users are
    // stored in the metadata log by `format --add-scram`, PLAIN users live in the JAAS line.
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${Object.entries(KAFKA_TEST_USERS)
      .map(([u, p]) => `user_${u}="${p}"`)
      .join(' ')};`,
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    // One broker: every internal topic must have replication factor 1, or the group and
    // transaction coordinators never come up.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=5',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=5',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Tests join fresh groups all the time; the default 3 s delay would slow every one.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    '',
  ].join('\n');
}

/** Fetch the broker jars (idempotent: skipped while the pom is unchanged). */
export async function installKafka(): Promise<void> {
  await fetchRuntimeJars(jars);
}

/** True when an admin client can connect and list topics (the broker serves metadata). */
export async function brokerAnswers(ports: KafkaPorts = kafkaPorts()): Promise<boolean> {
  if (!(await portOpen(ports.broker))) return false;
  const admin = new Admin({ clientId: 'sluice-stack-probe', bootstrapBrokers: [`127.0.0.1:${ports.broker}`], connectTimeout: 1000, timeout: 2000, retries: 0 });
  try {
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => undefined);
  }
}

function javaArgs(): string[] {
  return [
    // Small heap on a shared 2-core machine; serial GC costs no extra threads.
    '-Xmx512m', '-Xms256m', '-XX:+UseSerialGC',
    `-Dkafka.logs.dir=${stateDir}`,
    `-Dlog4j2.configurationFile=${log4jConfig}`,
    '-cp', join(libDir(jars), '*'),
  ];
}

/** KRaft needs its storage formatted once; `meta.properties` says it was. */
function isFormatted(): boolean {
  return existsSync(join(dataDir, 'meta.properties'));
}

function format(): void {
  const r = spawnSync(
    javaBinary(),
    [
      ...javaArgs(),
      'kafka.tools.StorageTool', 'format', '-t', CLUSTER_ID, '-c', propertiesFile, '--ignore-formatted',
      ...Object.entries(KAFKA_TEST_USERS).flatMap(([u, p]) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u},password=${p}]`])),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.error !== undefined) throw new Error(`kafka: cannot run java (is a JDK 17+ installed?): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`kafka: StorageTool format exited ${r.status}:\n${tail(`${r.stdout}\n${r.stderr}`, 40)}`);
}

/**
 * Start the broker on the configured ports, keeping its data dir (formatting it only if it
 * never was), and wait until it answers an admin client. Returns how to reach it. A broker
 * that is already running is left alone.
 */
export async function startBroker(): Promise<Record<string, string>> {
  const ports = kafkaPorts();
  const running = daemonPid(pidFile);
  if (running !== null) {
    await waitFor(`kafka broker (pid ${running}) to answer an admin client`, () => brokerAnswers(ports), { deadlineMs: START_DEADLINE_MS, logs });
    return kafkaEnv(ports);
  }
  if (await portOpen(ports.broker)) {
    throw new Error(`kafka: port ${ports.broker} is already in use but not by the broker in ${pidFile}; stop that process or set KAFKA_PORT`);
  }
  await installKafka();
  mkdirSync(stateDir, { recursive: true });
  // Rewritten every start so a change of ports via env takes effect on a kept data dir.
  ensureTlsFiles();
  writeFileSync(propertiesFile, serverProperties(ports));
  if (!isFormatted()) format();
  const pid = await spawnDaemon({
    name: 'kafka', command: javaBinary(), args: [...javaArgs(), 'kafka.Kafka', propertiesFile], cwd: stateDir, pidFile, logFile: stdoutFile,
  });
  await waitUntilReady(pid, [{ what: 'kafka broker to answer an admin client', check: () => brokerAnswers(ports) }], {
    name: 'kafka', deadlineMs: START_DEADLINE_MS, logs, kill: () => stopBroker({ kill: true }),
  });
  return kafkaEnv(ports);
}

export interface StopOptions {
  /** SIGKILL instead of SIGTERM: a crash (no clean shutdown). */
  kill?: boolean;
}

/** Stop the broker (its process group: SIGTERM, SIGKILL after 30 s) and keep its data. No error if it is not running. */
export async function stopBroker(options: StopOptions = {}): Promise<void> {
  await stopDaemon(pidFile, { signal: options.kill === true ? 'SIGKILL' : 'SIGTERM', graceMs: STOP_DEADLINE_MS });
}

/** True if the broker started by this service is running (it may still be starting). */
export function brokerRunning(): boolean {
  return daemonPid(pidFile) !== null;
}

/**
 * `up`: a broker that is already running is reused as it is; otherwise the data dir is
 * wiped first, so every fresh `up` starts from an empty cluster.
 */
export async function upKafka(): Promise<Record<string, string>> {
  if (!brokerRunning()) {
    rmSync(dataDir, { recursive: true, force: true });
    // The log appender appends, so restarts within one run stay in one file; a fresh
    // cluster starts a fresh log.
    rmSync(serverLog, { force: true });
  }
  return startBroker();
}

const service: Service = {
  name: 'kafka',
  install: installKafka,
  up: upKafka,
  down: () => stopBroker(),
  async status() {
    if (!brokerRunning() || !(await brokerAnswers())) return null;
    return kafkaEnv();
  },
};

export default service;

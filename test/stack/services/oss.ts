/**
 * The OSS stand-in: our emulator (test/oss-emulator), since no real OSS server runs here.
 * `npm run stack -- up oss` starts it detached on 127.0.0.1 (port OSS_EMULATOR_PORT, default
 * 19000) with its data under .cache/stack/oss/data, and prints:
 *   OSS_ENDPOINT (path style: use ali-oss `sldEnable: true`), OSS_REGION, OSS_BUCKET,
 *   OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET (fixed test-only keys, valid only here).
 * Faults are injected with `curl -X POST $OSS_ENDPOINT/_emulator/faults -d '{"kind":"error"}'`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { daemonPid, spawnDaemon, stopDaemon, waitUntilReady } from '../daemon.ts';
import { portFromEnv } from '../ports.ts';
import type { Service } from '../service.ts';

const repo = new URL('../../../', import.meta.url);
const stateDir = fileURLToPath(new URL('.cache/stack/oss/', repo));
const pidFile = `${stateDir}pid`;
const logFile = `${stateDir}emulator.log`;
const mainScript = fileURLToPath(new URL('test/oss-emulator/main.ts', repo));

const BUCKET = 'sluice';
const KEY_ID = 'LTAIsluiceemulator01';
const KEY_SECRET = 'sluice-emulator-secret';
const REGION = 'cn-hangzhou';
const START_DEADLINE_MS = 15_000;
const STOP_DEADLINE_MS = 5000;

function env(p: number): Record<string, string> {
  return {
    OSS_ENDPOINT: `http://localhost:${p}`,
    OSS_REGION: REGION,
    OSS_BUCKET: BUCKET,
    OSS_ACCESS_KEY_ID: KEY_ID,
    OSS_ACCESS_KEY_SECRET: KEY_SECRET,
  };
}

/** The endpoint line main.ts prints once it listens, or null. */
function readyPort(): number | null {
  if (!existsSync(logFile)) return null;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      return (JSON.parse(line) as { port: number }).port;
    } catch {
      return null;
    }
  }
  return null;
}

/** The emulator is one Node process: it alone is signalled, SIGKILL after 5 s. */
const stop = (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => stopDaemon(pidFile, { signal, graceMs: STOP_DEADLINE_MS, group: false });

const oss: Service = {
  name: 'oss',
  install: async () => {
    // Nothing to fetch: the emulator is TypeScript in this repo.
  },
  up: async () => {
    if (daemonPid(pidFile) !== null) {
      const p = readyPort();
      if (p !== null) return env(p);
    }
    mkdirSync(`${stateDir}data`, { recursive: true });
    const pid = await spawnDaemon({
      name: 'oss', command: process.execPath, pidFile, logFile,
      args: [
        mainScript, '--port', String(portFromEnv('OSS_EMULATOR_PORT', 19000)), '--data', `${stateDir}data`, '--bucket', BUCKET,
        '--access-key-id', KEY_ID, '--access-key-secret', KEY_SECRET, '--region', REGION,
      ],
    });
    await waitUntilReady(pid, [{ what: 'the oss emulator to print its endpoint', check: () => readyPort() !== null }], {
      name: 'oss', deadlineMs: START_DEADLINE_MS, logs: [logFile], kill: () => stop('SIGKILL'),
    });
    return env(readyPort() ?? 0);
  },
  down: () => stop(),
  status: async () => {
    if (daemonPid(pidFile) === null) return null;
    const p = readyPort();
    return p === null ? null : env(p);
  },
};

export default oss;

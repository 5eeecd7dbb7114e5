/**
 * The OSS stand-in: our emulator (test/oss-emulator), since no real OSS server runs here.
 * `npm run stack -- up oss` starts it detached on 127.0.0.1 (port OSS_EMULATOR_PORT, default
 * 19000) with its data under .cache/stack/oss/data, and prints:
 *   OSS_ENDPOINT (path style: use ali-oss `sldEnable: true`), OSS_REGION, OSS_BUCKET,
 *   OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET (fixed test-only keys, valid only here).
 * Faults are injected with `curl -X POST $OSS_ENDPOINT/_emulator/faults -d '{"kind":"error"}'`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

function port(): number {
  return Number(process.env.OSS_EMULATOR_PORT ?? '19000');
}

function env(p: number): Record<string, string> {
  return {
    OSS_ENDPOINT: `http://localhost:${p}`,
    OSS_REGION: REGION,
    OSS_BUCKET: BUCKET,
    OSS_ACCESS_KEY_ID: KEY_ID,
    OSS_ACCESS_KEY_SECRET: KEY_SECRET,
  };
}

function runningPid(): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
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

const oss: Service = {
  name: 'oss',
  install: async () => {
    // Nothing to fetch: the emulator is TypeScript in this repo.
  },
  up: async () => {
    if (runningPid() !== null) {
      const p = readyPort();
      if (p !== null) return env(p);
    }
    mkdirSync(`${stateDir}data`, { recursive: true });
    rmSync(logFile, { force: true });
    const out = openSync(logFile, 'a');
    const child = spawn(process.execPath, [
      mainScript, '--port', String(port()), '--data', `${stateDir}data`, '--bucket', BUCKET,
      '--access-key-id', KEY_ID, '--access-key-secret', KEY_SECRET, '--region', REGION,
    ], { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    writeFileSync(pidFile, String(child.pid));
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const p = readyPort();
      if (p !== null) return env(p);
      if (runningPid() === null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`oss emulator did not start; see ${logFile}:\n${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`);
  },
  down: async () => {
    const pid = runningPid();
    if (pid !== null) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && runningPid() !== null) await new Promise((r) => setTimeout(r, 50));
    }
    rmSync(pidFile, { force: true });
  },
  status: async () => {
    if (runningPid() === null) return null;
    const p = readyPort();
    return p === null ? null : env(p);
  },
};

export default oss;

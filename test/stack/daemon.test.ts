/**
 * The daemon lifecycle against real processes: small Node scripts spawned detached, found again
 * through their pid files, stopped with SIGTERM or, when they ignore it, SIGKILL.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { alive, daemonPid, readPid, runsCommand, spawnDaemon, stopDaemon, waitUntilReady } from './daemon.ts';
import { waitFor } from './wait-for.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-daemon-'));
/** Every pid a test started, so none outlives the run even when an assertion fails. */
const started: number[] = [];

after(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Spawns `node -e script marker` as a daemon; the marker makes its command line unique. */
async function spawnNode(name: string, script: string): Promise<{ pid: number; pidFile: string; logFile: string; marker: string }> {
  const marker = `sluice-daemon-test-${randomUUID()}`;
  const pidFile = join(dir, name, 'pid');
  const logFile = join(dir, name, 'out.log');
  const pid = await spawnDaemon({ name, command: process.execPath, args: ['-e', script, marker], pidFile, logFile });
  started.push(pid);
  return { pid, pidFile, logFile, marker };
}

const logContains = (file: string, text: string) => (): boolean => existsSync(file) && readFileSync(file, 'utf8').includes(text);

test('a spawned daemon is found through its pid file and stopped by SIGTERM', async () => {
  const d = await spawnNode('sleeper', "process.on('SIGTERM', () => { console.log('clean stop'); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);");
  assert.equal(readPid(d.pidFile), d.pid);
  await waitFor('the sleeper to log', logContains(d.logFile, 'up'), { deadlineMs: 10_000 });
  assert.equal(alive(d.pid), true);
  assert.equal(daemonPid(d.pidFile), d.pid);
  assert.equal(daemonPid(d.pidFile, d.marker), d.pid);
  assert.equal(runsCommand(d.pid, 'a-marker-it-does-not-have'), false);
  assert.equal(daemonPid(d.pidFile, 'a-marker-it-does-not-have'), null, 'a pid that is not ours is not trusted');

  await stopDaemon(d.pidFile, { graceMs: 10_000 });
  assert.equal(alive(d.pid), false);
  assert.equal(existsSync(d.pidFile), false, 'the pid file is removed');
  assert.match(readFileSync(d.logFile, 'utf8'), /clean stop/, 'SIGTERM let it shut down cleanly');
  await stopDaemon(d.pidFile, { graceMs: 1000 }); // no error when not running
});

test('a daemon that ignores SIGTERM is killed after the grace period', async () => {
  const d = await spawnNode('stubborn', "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000);");
  await waitFor('the stubborn daemon to log', logContains(d.logFile, 'up'), { deadlineMs: 10_000 });
  const t0 = Date.now();
  await stopDaemon(d.pidFile, { graceMs: 500 });
  const elapsed = Date.now() - t0;
  assert.equal(alive(d.pid), false);
  assert.ok(elapsed >= 500, `SIGKILL came after ${elapsed} ms, before the grace period`);
  assert.match(readFileSync(d.logFile, 'utf8'), /ignoring SIGTERM/);
});

test('a group stop reaches what the daemon started; a stop of the daemon alone does not', async () => {
  const parent = "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log('child=' + c.pid); setInterval(() => {}, 1000);";
  const childOf = async (d: { logFile: string }): Promise<number> => {
    await waitFor('the child pid in the log', logContains(d.logFile, 'child='), { deadlineMs: 10_000 });
    const pid = Number(/child=(\d+)/.exec(readFileSync(d.logFile, 'utf8'))?.[1]);
    started.push(pid);
    return pid;
  };

  const grouped = await spawnNode('group', parent);
  const groupedChild = await childOf(grouped);
  await stopDaemon(grouped.pidFile, { graceMs: 10_000 });
  await waitFor('the child to exit with its group', () => !alive(groupedChild), { deadlineMs: 10_000 });
  // stopDaemon returns once /proc shows the daemon gone; until this process reaps it (its
  // parent, asynchronously) kill(pid, 0) still finds the zombie: wait for that, not a race.
  await waitFor('the daemon to be reaped', () => !alive(grouped.pid), { deadlineMs: 10_000 });

  const alone = await spawnNode('alone', parent);
  const aloneChild = await childOf(alone);
  await stopDaemon(alone.pidFile, { graceMs: 10_000, group: false, marker: alone.marker });
  await waitFor('the daemon to be reaped', () => !alive(alone.pid), { deadlineMs: 10_000 });
  assert.equal(alive(aloneChild), true, 'group: false signals the daemon alone');
  process.kill(aloneChild, 'SIGKILL');
});

test('a command that cannot be run fails naming it, with the hint', async () => {
  await assert.rejects(
    spawnDaemon({ name: 'etcd', command: join(dir, 'no-such-binary'), args: [], pidFile: join(dir, 'etcd', 'pid'), logFile: join(dir, 'etcd', 'etcd.log'), hint: 'is it built?' }),
    (e: Error) => {
      assert.match(e.message, new RegExp(`^etcd: cannot start ${join(dir, 'no-such-binary')}: .*ENOENT.* \\(is it built\\?\\)$`));
      return true;
    },
  );
  assert.equal(existsSync(join(dir, 'etcd', 'pid')), false, 'no pid file for a process that never ran');
});

test('waitUntilReady fails at once when the daemon exits, kills it once and shows its log', async () => {
  const d = await spawnNode('crasher', "console.log('FATAL: listeners: bad value'); process.exit(3);");
  let killed = 0;
  const t0 = Date.now();
  await assert.rejects(
    waitUntilReady(d.pid, [{ what: 'it to answer', check: () => false }], {
      name: 'crasher', deadlineMs: 60_000, logs: [d.logFile], kill: async () => { killed++; await stopDaemon(d.pidFile, { graceMs: 1000, signal: 'SIGKILL' }); },
    }),
    (e: Error) => {
      assert.match(e.message, new RegExp(`^crasher: pid ${d.pid} exited during start\\n--- ${d.logFile} \\(tail\\) ---\\nFATAL: listeners: bad value`));
      return true;
    },
  );
  assert.ok(Date.now() - t0 < 30_000, 'did not wait for the deadline');
  assert.equal(killed, 1);
  assert.equal(existsSync(d.pidFile), false);
});

test('waitUntilReady runs each step in turn and leaves a ready daemon running', async () => {
  const d = await spawnNode('stepper', "console.log('step one'); setTimeout(() => console.log('step two'), 200); setInterval(() => {}, 1000);");
  const order: string[] = [];
  await waitUntilReady(d.pid, [
    { what: 'step one', check: () => logContains(d.logFile, 'step one')() && order.push('one') > 0 },
    { what: 'step two', check: () => logContains(d.logFile, 'step two')() && order.push('two') > 0 },
  ], { name: 'stepper', deadlineMs: 10_000, logs: [d.logFile], kill: () => stopDaemon(d.pidFile, { graceMs: 1000 }) });
  assert.deepEqual(order, ['one', 'two']);
  assert.equal(daemonPid(d.pidFile), d.pid);
  await stopDaemon(d.pidFile, { graceMs: 10_000 });
  assert.equal(alive(d.pid), false);
});

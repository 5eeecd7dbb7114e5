/**
 * The commit protocol, model-checked: spin generates a verifier from model/commit-protocol.pml,
 * cc builds it, and it explores every interleaving of the run's budgets. The model must hold
 * (0 errors, search completed); each mutation that reintroduces a fixed bug must make spin
 * find a counterexample naming the property it breaks (model/README.md, "Found").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MODEL = fileURLToPath(new URL('../../model/commit-protocol.pml', import.meta.url));

function run(cmd: string, args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** spin (Debian package `spin`) and a C compiler; installed with apt-get when missing and root. */
function ensureSpin(): void {
  if (has('spin') && has('cc')) return;
  if (process.getuid?.() !== 0) throw new Error('spin is not installed: apt-get install -y spin (as root; the test installs it itself when run as root)');
  const r = spawnSync('sh', ['-c', 'apt-get update && apt-get install -y spin gcc'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  assert.equal(r.status, 0, `apt-get install spin failed:\n${r.stdout}${r.stderr}`);
}

interface Verdict {
  errors: number;
  pan: string;
  /** The counterexample replayed by spin -t (only when errors > 0). */
  trail: string;
}

/** spin -a, cc, pan with the given -D definitions, in a directory of its own. */
function check(defs: string[]): Verdict {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-model-'));
  try {
    copyFileSync(MODEL, path.join(dir, 'commit-protocol.pml'));
    const gen = run('spin', ['-a', ...defs, 'commit-protocol.pml'], dir);
    assert.equal(gen.status, 0, `spin -a failed:\n${gen.out}`);
    const cc = run('cc', ['-O2', '-DSAFETY', '-DCOLLAPSE', '-w', '-o', 'pan', 'pan.c'], dir);
    assert.equal(cc.status, 0, `cc pan.c failed:\n${cc.out}`);
    const pan = run('./pan', ['-m200000'], dir);
    const m = /errors: (\d+)/.exec(pan.out);
    assert.ok(m, `pan printed no verdict:\n${pan.out}`);
    const errors = Number(m[1]);
    let trail = '';
    if (errors > 0) trail = run('spin', ['-t', ...defs, 'commit-protocol.pml'], dir).out;
    return { errors, pan: pan.out, trail };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertHolds(defs: string[]): void {
  const v = check(defs);
  assert.equal(v.errors, 0, `spin found a counterexample:\n${v.pan}\n${v.trail}`);
  // A search cut short by a bound proves nothing about the states it did not reach.
  assert.doesNotMatch(v.pan, /Search not completed|max search depth too small|VECTORSZ too small/, v.pan);
  assert.match(v.pan, /states, stored/);
}

/** spin must find a counterexample, and the trail must end in the named property's assertion. */
function assertViolates(defs: string[], property: string): void {
  const v = check(defs);
  assert.ok(v.errors >= 1, `spin found no counterexample for ${defs.join(' ')}:\n${v.pan}`);
  assert.match(v.pan, new RegExp(`assertion violated .*${property}`), v.pan);
  assert.match(v.trail, /assertion violated/, v.trail);
  assert.match(v.trail, new RegExp(property), v.trail);
}

ensureSpin();

const LONG = { timeout: 600_000 };

test('the protocol holds: parallelism 2 → 1 → 2, every runner ended at any step by each rescale', LONG, () => {
  assertHolds([]);
});

test('the protocol holds: one runner index SIGKILLed and restarted twice, at any step', LONG, () => {
  assertHolds(['-DNPHASES=1', '-DPAR1=1', '-DMAXCRASH=2', '-DCRASH_ANY_PHASE']);
});

test('the protocol holds: a second process of the index beside the first is fenced', LONG, () => {
  assertHolds(['-DNPHASES=1', '-DPAR1=1', '-DMAXZOMBIE=1', '-DZOMBIE_ANY_PHASE']);
});

test('mutation (before 8628c8c): a vanished lineage never retired is restored at scale-up and its records published twice', LONG, () => {
  assertViolates(['-DBUG_NO_RETIRE'], 'published_twice');
});

test('mutation (before da4b343): retiring drops the unpublished record instead of settling it: records published twice', LONG, () => {
  assertViolates(['-DBUG_DROP_UNPUBLISHED'], 'published_twice');
});

test('mutation: files published before their checkpoint record is written', LONG, () => {
  assertViolates(['-DBUG_PUBLISH_FIRST'], 'visible_without_record');
});

test('the protocol holds: 2 → 1 after runner 0 finished its splits, a crash and restart included', LONG, () => {
  assertHolds(['-DNPHASES=2', '-DMAXCRASH=1']);
});

test('mutation (before 8a99774): a restored finished record ends the runner whatever the parallelism: the splits it took over are never read', LONG, () => {
  assertViolates(['-DNPHASES=2', '-DBUG_FINISHED_SHORTCUT'], 'record_lost');
});

test('the protocol holds: a second process of the index beside the first, and a SIGKILL: a late record of the fenced one never makes the lineage unrecoverable', LONG, () => {
  assertHolds(['-DNPHASES=1', '-DPAR1=1', '-DMAXZOMBIE=1', '-DMAXCRASH=1']);
});

test('mutation (the code before it): the restore writes no record of its own epoch: a fenced process\'s late record names a file its successor aborted, and once the successor dies it is the newest record, which no restore can publish', LONG, () => {
  assertViolates(['-DNPHASES=1', '-DPAR1=1', '-DMAXZOMBIE=1', '-DMAXCRASH=1', '-DBUG_NO_OWN_RECORD'], 'unrecoverable');
});

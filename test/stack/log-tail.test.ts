import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { logTail, tail } from './log-tail.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-log-tail-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('tail keeps the last n lines', () => {
  assert.equal(tail('a\nb\nc\nd', 2), 'c\nd');
  assert.equal(tail('only', 5), 'only');
});

test('logTail: each existing file under its own header, missing ones skipped', () => {
  const out = join(dir, 'stdout.log');
  const server = join(dir, 'server.log');
  writeFileSync(out, Array.from({ length: 50 }, (_, i) => `out ${i}`).join('\n'));
  writeFileSync(server, 'broker started\n');
  const text = logTail([out, join(dir, 'missing.log'), server], 3);
  assert.equal(text, `--- ${out} (tail) ---\nout 47\nout 48\nout 49\n--- ${server} (tail) ---\nbroker started\n`);
});

test('logTail says (no log) when no file exists yet', () => {
  assert.equal(logTail([join(dir, 'never-written.log')]), '(no log)');
});

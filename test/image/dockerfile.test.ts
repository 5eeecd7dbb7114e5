/**
 * The image starts sluice as everything else does. No Docker engine is needed: the Dockerfile is
 * parsed (instructions, line continuations, the launcher script its RUN writes) and checked:
 *   1. every FROM uses the base pinned by digest, with a comment saying how to move the pin;
 *   2. ENTRYPOINT is the `sluice` launcher on PATH (runner pods use command ["sluice"]);
 *   3. the launcher execs /app/bin/sluice.mjs itself (not `node …`), so its shebang's Node flags
 *      apply, and bin/sluice.mjs is copied executable;
 *   4. those flags are the runner's (`--max-semi-space-size=16 --max-old-space-size=512`) and every other start in the repo
 *      (the test kubelet's image mapping, package.json's bin) goes through the same file and flags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { shebangNodeFlags } from '../helpers/node-flags.ts';
import { defaultImageMappings, resolveArgv } from '../kubelet/image-map.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const text = readFileSync(`${REPO}Dockerfile`, 'utf8');

interface Instruction { op: string; args: string; comments: string[] }

/** Instructions with their continuation lines joined and the comments just above each. */
function parse(dockerfile: string): Instruction[] {
  const out: Instruction[] = [];
  let comments: string[] = [];
  let current: string | undefined;
  for (const line of dockerfile.split('\n')) {
    if (current === undefined && /^\s*#/.test(line)) {
      comments.push(line.replace(/^\s*#\s?/, ''));
      continue;
    }
    if (current === undefined && line.trim() === '') {
      comments = [];
      continue;
    }
    current = current === undefined ? line : `${current}\n${line}`;
    if (line.endsWith('\\')) continue;
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(current)!;
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim(), comments });
    comments = [];
    current = undefined;
  }
  return out;
}

const instructions = parse(text);
const runtime = instructions.slice(instructions.map((i) => i.op).lastIndexOf('FROM'));

test('the base image is pinned by digest, with how to update it', () => {
  const arg = instructions.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='))!;
  assert.ok(arg, 'ARG NODE_IMAGE');
  assert.match(arg.args, /^NODE_IMAGE=node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
  assert.match(arg.comments.join('\n'), /To update it:[\s\S]*(imagetools inspect|crane digest) node:24-bookworm-slim/);
  const froms = instructions.filter((i) => i.op === 'FROM');
  assert.equal(froms.length, 3);
  for (const f of froms) assert.match(f.args, /^\$\{NODE_IMAGE\}( AS [a-z-]+)?$/, `FROM ${f.args} uses the pinned base`);
  // the Node major of the image is the one the tests run
  const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { devDependencies: Record<string, string> };
  assert.match(pkg.devDependencies.node!, /^\^24\./);
});

test('ENTRYPOINT is the sluice launcher, which execs bin/sluice.mjs so its shebang flags apply', () => {
  const entry = runtime.find((i) => i.op === 'ENTRYPOINT')!;
  assert.deepEqual(JSON.parse(entry.args), ['sluice']);
  const run = runtime.find((i) => i.op === 'RUN' && i.args.includes('/usr/local/bin/sluice'))!;
  const printf = /printf '((?:[^'\\]|\\.)*)' > \/usr\/local\/bin\/sluice/.exec(run.args);
  assert.ok(printf, `the launcher is written by printf: ${run.args}`);
  const script = printf[1]!.replace(/\\n/g, '\n').split('\n').filter((l) => l !== '');
  assert.deepEqual(script, ['#!/bin/sh', 'exec /app/bin/sluice.mjs "$@"'], 'no `node` in front: that would drop the shebang\'s flags');
  assert.match(run.args, /chmod 0755 \/usr\/local\/bin\/sluice/);
  const copy = runtime.find((i) => i.op === 'COPY' && / \.\/bin\/sluice\.mjs$/.test(i.args))!;
  assert.match(copy.args, /^--chmod=0755 bin\/sluice\.mjs \.\/bin\/sluice\.mjs$/, 'copied executable');
});

test('the flags are the runner\'s, and every start in the repo uses the same file and flags', () => {
  const flags = shebangNodeFlags();
  assert.deepEqual(flags, ['--max-semi-space-size=16', '--max-old-space-size=512']);
  const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { bin: Record<string, string> };
  assert.deepEqual(pkg.bin, { sluice: 'bin/sluice.mjs' }, 'npx and npm link exec the file: its shebang applies');
  const r = resolveArgv({ image: 'sluice/runner:e2e', command: ['sluice'], args: ['runner'] }, defaultImageMappings(), { nodeBinary: 'node', repoRoot: '/repo' }, {});
  assert.deepEqual(r, { argv: ['node', ...flags, '/repo/bin/sluice.mjs', 'runner'] }, 'the test kubelet starts the image as the launcher does');
  assert.throws(() => shebangNodeFlags(`${REPO}package.json`), /is not '#!\/usr\/bin\/env -S node <flags>'/);
});

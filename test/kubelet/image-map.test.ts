import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultImageMappings, expandVars, findMapping, resolveArgv } from './image-map.ts';

const ctx = { nodeBinary: '/usr/bin/node24', repoRoot: '/repo' };
const env = { JOB: 'uids', N: '3' };

test('sluice/runner: `sluice` as command becomes the local CLI entry with bin/sluice.mjs\'s Node flags, args follow', () => {
  const r = resolveArgv({ image: 'sluice/runner:0.1.0', command: ['sluice'], args: ['runner', '--index', '$(N)'] }, defaultImageMappings(), ctx, env);
  assert.deepEqual(r, { argv: ['/usr/bin/node24', '--max-semi-space-size=16', '--max-old-space-size=512', '/repo/bin/sluice.mjs', 'runner', '--index', '3'] });
});

test('no command: the mapping is the entrypoint and args are appended', () => {
  const r = resolveArgv({ image: 'sluice/runner:latest', args: ['--version'] }, defaultImageMappings(), ctx, env);
  assert.deepEqual(r, { argv: ['/usr/bin/node24', '--max-semi-space-size=16', '--max-old-space-size=512', '/repo/bin/sluice.mjs', '--version'] });
});

test('a command other than the image program runs as given', () => {
  const r = resolveArgv({ image: 'sluice/node:1', command: ['sh', '-c'], args: ['exit 3'] }, defaultImageMappings(), ctx, env);
  assert.deepEqual(r, { argv: ['sh', '-c', 'exit 3'] });
});

test('an unmapped image is an error naming the image', () => {
  const r = resolveArgv({ image: 'nginx:1.27' }, defaultImageMappings(), ctx, env);
  assert.ok('error' in r);
  assert.match(r.error, /image "nginx:1\.27" has no local mapping/);
});

test('glob matching is anchored and treats / and . literally', () => {
  const maps = [{ image: 'a.b/c:*', entrypoint: ['x'] }];
  assert.ok(findMapping('a.b/c:1', maps));
  assert.equal(findMapping('axb/c:1', maps), undefined);
  assert.equal(findMapping('x/a.b/c:1', maps), undefined);
});

test('$(VAR) expands, $$(VAR) escapes, unknown stays', () => {
  assert.equal(expandVars('$(JOB)-$$(JOB)-$(NOPE)', env), 'uids-$(JOB)-$(NOPE)');
});

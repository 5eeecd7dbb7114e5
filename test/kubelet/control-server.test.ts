import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePodRef, parseSignal } from './control-server.ts';

test('pod references are namespace/name', () => {
  assert.deepEqual(parsePodRef('ingest/job-0'), { namespace: 'ingest', name: 'job-0' });
  assert.equal(parsePodRef('job-0'), null);
  assert.equal(parsePodRef('../x/y'), null);
});

test('signals accept KILL, SIGTERM, lower case; reject unknown', () => {
  assert.equal(parseSignal('KILL'), 'SIGKILL');
  assert.equal(parseSignal('sigterm'), 'SIGTERM');
  assert.equal(parseSignal(null), 'SIGKILL');
  assert.equal(parseSignal('BOGUS'), null);
});

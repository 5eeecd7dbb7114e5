import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { CheckpointEvent } from '../pipeline/runner-listener.ts';
import { jsonReporter } from './progress.ts';

const event = (durationMs: number, partitions: number): CheckpointEvent => ({
  id: 7, epoch: 1, durationMs, intervalMs: 5000, files: partitions, records: partitions,
  committedPartitions: Array.from({ length: partitions }, (_, i) => `p=${i}`),
  counters: { recordsIn: 0, records: 0, bytes: 0, files: 0, skipped: 0 }, finished: false,
});

function lineOf(e: CheckpointEvent): Record<string, unknown> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  jsonReporter(out).checkpoint(e);
  return JSON.parse(text) as Record<string, unknown>;
}

test('a checkpoint line names at most 100 committed partitions and counts them all', () => {
  const l = lineOf(event(120, 10_000));
  assert.equal((l.committedPartitions as string[]).length, 100);
  assert.equal(l.committedPartitionCount, 10_000);
  assert.equal(l.overrun, undefined);
});

test('a checkpoint that outlasts its interval says the next one waited', () => {
  const l = lineOf(event(12_100, 3));
  assert.deepEqual(l.committedPartitions, ['p=0', 'p=1', 'p=2']);
  assert.equal(l.overrun, 'took 12.1 s, over the 5.0 s interval: the next checkpoint waited for it');
});

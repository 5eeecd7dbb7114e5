import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reviewIngestJob } from './admission-webhook.ts';
import { sampleJob } from './testing.ts';

const bad = sampleJob({ sink: { path: 'out', format: { type: 'csv' } } });
const good = sampleJob();

test('CREATE of an invalid job is denied with every field as a cause', () => {
  const r = reviewIngestJob({ uid: 'u1', operation: 'CREATE', object: bad as never });
  assert.equal(r.allowed, false);
  assert.equal(r.uid, 'u1');
  assert.equal(r.status?.code, 422);
  assert.deepEqual(r.status?.details?.causes.map((c) => c.field), ['spec.sink.path']);
  assert.match(r.status!.message, /^IngestJob has an error: spec\.sink\.path: must be an absolute path or a URI on Kubernetes/);
});

test('a valid job, an unchanged spec, a job being deleted and the status subresource are allowed', () => {
  assert.equal(reviewIngestJob({ uid: 'a', operation: 'CREATE', object: good as never }).allowed, true);
  // an invalid job stored before the rule: its labels and finalizers must still change
  assert.equal(reviewIngestJob({ uid: 'b', operation: 'UPDATE', object: bad as never, oldObject: bad as never }).allowed, true);
  assert.equal(reviewIngestJob({ uid: 'c', operation: 'UPDATE', object: { ...bad, metadata: { ...bad.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } } as never, oldObject: good as never }).allowed, true);
  assert.equal(reviewIngestJob({ uid: 'd', operation: 'UPDATE', subResource: 'status', object: bad as never, oldObject: good as never }).allowed, true);
  assert.equal(reviewIngestJob({ uid: 'e', operation: 'UPDATE', object: bad as never, oldObject: good as never }).allowed, false, 'a spec change is checked');
});

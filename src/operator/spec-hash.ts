/**
 * The identity of "what the runners run": a hash of the spec without `suspend` (pausing is not a
 * new spec). Keys are sorted so the hash does not depend on the order a client wrote them in.
 */
import { createHash } from 'node:crypto';
import type { IngestJobSpec } from '../api/types.ts';
import { stableJson } from './stable-json.ts';

export function specHash(spec: IngestJobSpec): string {
  const { suspend: _suspend, ...rest } = spec;
  return createHash('sha256').update(stableJson(rest)).digest('hex').slice(0, 32);
}

/** Where a runner's part files live: the sink, and dead-letter files when the policy writes them. */
import type { PendingPart } from '../sink/file-sink.ts';
import type { Storage } from '../storage/types.ts';
import type { RuntimeConfig } from './runtime-config.ts';

export interface PartStorages {
  sink: Storage;
  deadLetter?: Storage;
}

export function storageOf(s: PartStorages, p: PendingPart): Storage {
  return p.deadLetter === true ? s.deadLetter! : s.sink;
}

/**
 * Closes, publishes and `_SUCCESS` writes a checkpoint keeps in flight on the sink:
 * `spec.sink.commitConcurrency`, else what the sink's storage sustains (StorageCapabilities).
 */
export function commitConcurrency(c: RuntimeConfig, s: PartStorages): number {
  return c.sink.commitConcurrency ?? s.sink.capabilities.concurrency;
}

/** Every (storage, root) a runner writes part files under: where its orphans are looked for. */
export function partPlaces(c: RuntimeConfig, s: PartStorages): Array<[Storage, string]> {
  const places: Array<[Storage, string]> = [[s.sink, c.sink.path]];
  if (c.badRecords.mode === 'dead-letter' && s.deadLetter) places.push([s.deadLetter, c.badRecords.deadLetter!]);
  return places;
}

/** Part files of runner `r` of the job whose part-file UUID is `jobUuid` start with this. */
export function partPrefix(jobUuid: string, r: number): string {
  return `part-${jobUuid}-${r}-`;
}

/**
 * Where Sluice's own files may live relative to the data it publishes. A reader of the sink
 * (Hive, Spark, DuckDB, Flink's filesystem source) takes every file below `sink.path` as data
 * except those inside a folder whose name starts with `_` or `.`; checkpoint records or
 * dead-letter files anywhere else below it would be read as rows (or fail the reader) and show
 * the job's internals. The default, `<sink.path>/_sluice`, is hidden.
 */
import { posix } from 'node:path';
import type { ValidationError } from './field-error.ts';
import type { IngestJobSpec } from './types.ts';

/** `scheme://authority` (lowercase) and a normalised path, so two spellings of one place compare equal. */
function location(p: string): { root: string; segments: string[] } {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/i.exec(p);
  const [root, rest] = m === null || m[1]!.toLowerCase() === 'file' ? ['', m === null ? p : `${m[2]}${m[3]}`] : [`${m[1]}://${m[2]}`.toLowerCase(), m[3]!];
  const normal = posix.normalize(rest === '' ? '/' : rest);
  return { root, segments: normal.split('/').filter((s) => s !== '' && s !== '.') };
}

/** The path of `inner` below `outer`, as segments, or null if it is not at or below it. */
function below(outer: string, inner: string): string[] | null {
  const o = location(outer);
  const i = location(inner);
  if (o.root !== i.root || i.segments.length < o.segments.length) return null;
  for (let k = 0; k < o.segments.length; k++) if (o.segments[k] !== i.segments[k]) return null;
  return i.segments.slice(o.segments.length);
}

const hidden = (segment: string): boolean => segment.startsWith('_') || segment.startsWith('.');

/** `field` (a directory Sluice writes its own files to) must not be a visible part of the sink. */
function checkOutsideVisibleSink(sinkPath: string, dir: string, field: string, what: string): ValidationError[] {
  const rel = below(sinkPath, dir);
  if (rel === null || rel.some(hidden)) return [];
  const where = rel.length === 0 ? `is the sink path ${JSON.stringify(sinkPath)}` : `is inside the sink path ${JSON.stringify(sinkPath)} in a visible folder`;
  return [{
    path: field,
    message: `${where}: readers of the sink would take the ${what} for data. Use a folder whose name starts with _ or . (the default is ${sinkPath.replace(/\/+$/u, '')}/_sluice) or a path outside the sink`,
  }];
}

export function checkStateLocations(spec: IngestJobSpec): ValidationError[] {
  const errors: ValidationError[] = [];
  const sink = spec.sink.path;
  if (spec.checkpoint?.dir !== undefined) errors.push(...checkOutsideVisibleSink(sink, spec.checkpoint.dir, 'spec.checkpoint.dir', 'checkpoint records'));
  const dl = spec.source.badRecords?.deadLetter;
  if (dl !== undefined && !dl.startsWith('kafka://')) errors.push(...checkOutsideVisibleSink(sink, dl, 'spec.source.badRecords.deadLetter', 'dead-letter records'));
  return errors;
}

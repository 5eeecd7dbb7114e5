/**
 * Where a file source runner stands, in a form that survives a change of parallelism.
 *
 * Runner i of N reads the files whose sorted index j has j % N == i, each from its start to its
 * end, in order. Its position names the files read to the end (`done`) — by any runner of the
 * job, carried from record to record — the file it is in and the next unread record there, and
 * (`partial`) where to resume files that a runner left half-read when the parallelism changed.
 * Files are named, not numbered, so the position means the same whatever the new assignment.
 *
 * Version 3 adds `inputs`: the version (size, and modification time or ETag where the storage
 * has them) of every file named in the position, as it was when it was read, so a restore can
 * tell that an input changed under the job (checkInputs).
 *
 * Version 1 positions (`{file, offset, line}`, before parallelism could change) meant "my files
 * before `file` are done": open() resolves that against the runner's own share. Merging them
 * with other runners' positions keeps only their current file's offset.
 */
import { JobFailedError } from '../../errors.ts';
import type { FileVersion } from '../../storage/types.ts';

export interface ResumeAt {
  offset: number;
  line: number;
}

export interface FilePositionV2 extends ResumeAt {
  /** 3 has `inputs`; 2 (written before it) does not. */
  version: 2 | 3;
  /** Files read to the end, sorted. */
  done: string[];
  /** Half-read files another runner may now own: where to resume them. */
  partial: Record<string, ResumeAt>;
  /** This runner's current file (null: none, or its share is read); `offset`/`line` are in it. */
  file: string | null;
  /** Version 3: each file in `done`, `partial` and `file` as it was when read. */
  inputs?: Record<string, FileVersion>;
}

/** The first version: this runner's files before `file` are done; `file: null` = all done. */
export interface FilePositionV1 extends ResumeAt {
  file: string | null;
}

export type FilePosition = FilePositionV2 | FilePositionV1;

/** Versions 2 and 3 (named files, mergeable). */
export function isV2(p: FilePosition): p is FilePositionV2 {
  const v = (p as FilePositionV2).version;
  return v === 2 || v === 3;
}

/**
 * Merge the positions of every runner lineage (own first, then the others' last published) after
 * a parallelism change: a file done by anyone is done; a half-read file resumes at the furthest
 * offset any runner published (one owner at a time, offsets only grow).
 */
export function mergeFilePositions(positions: unknown[]): FilePosition {
  const ps = positions as FilePosition[];
  if (ps.length === 1) return ps[0]!; // nothing to merge; open() resolves even a version 1 position
  const done = new Set<string>();
  for (const p of ps) if (isV2(p)) for (const f of p.done) done.add(f);
  const partial = new Map<string, ResumeAt>();
  const offer = (file: string, at: ResumeAt): void => {
    if (done.has(file)) return;
    const seen = partial.get(file);
    if (seen === undefined || at.offset > seen.offset) partial.set(file, { offset: at.offset, line: at.line });
  };
  for (const p of ps) {
    if (isV2(p)) for (const [f, at] of Object.entries(p.partial)) offer(f, at);
    if (p.file !== null) offer(p.file, p);
  }
  const inputs: Record<string, FileVersion> = {};
  for (const p of ps) if (isV2(p)) for (const [f, v] of Object.entries(p.inputs ?? {})) inputs[f] ??= v;
  return { version: 3, done: [...done].sort(), partial: Object.fromEntries(partial), file: null, offset: 0, line: 1, inputs };
}

/**
 * A restored position as the reader's state, given its own share of files (sorted) and every
 * file of the source now: done files and resume points, limited to files that still exist.
 */
export function resolvePosition(p: FilePosition | undefined, own: readonly string[], all: readonly string[]): { done: Set<string>; partial: Map<string, ResumeAt> } {
  const done = new Set<string>();
  const partial = new Map<string, ResumeAt>();
  if (p === undefined) return { done, partial };
  if (!isV2(p)) {
    for (const f of own) if (p.file === null || f < p.file) done.add(f);
    if (p.file !== null) partial.set(p.file, { offset: p.offset, line: p.line });
    return { done, partial };
  }
  const exists = new Set(all);
  for (const f of p.done) if (exists.has(f)) done.add(f);
  for (const [f, at] of Object.entries(p.partial)) if (exists.has(f) && !done.has(f)) partial.set(f, at);
  if (p.file !== null && exists.has(p.file) && !done.has(p.file)) partial.set(p.file, { offset: p.offset, line: p.line });
  return { done, partial };
}

/** What differs between two versions of a file, in words ('' when nothing the storage tells). */
export function versionChange(then: FileVersion, now: FileVersion): string {
  const out: string[] = [];
  if (then.size !== now.size) out.push(`size ${then.size} → ${now.size} bytes`);
  if (then.modifiedMs !== undefined && now.modifiedMs !== undefined && then.modifiedMs !== now.modifiedMs) {
    out.push(`modified ${new Date(then.modifiedMs).toISOString()} → ${new Date(now.modifiedMs).toISOString()}`);
  }
  if (then.etag !== undefined && now.etag !== undefined && then.etag !== now.etag) out.push(`ETag ${then.etag} → ${now.etag}`);
  return out.join(', ');
}

/**
 * A restored position against the files as they are now (`now`: every input file's version).
 * A file the job read part of must be as it was: shorter than the position, removed, or changed
 * (size, modification time, ETag) fails the job naming the file and what changed, since the
 * records past the position, or before it, are no longer the ones the checkpoint counted. A
 * file read to its end that changed fails too: its new content would never be read and the
 * output would silently disagree with the input. Positions written before version 3 carry no
 * versions: only a partly read file shorter than its position is noticed there.
 * `storedOffset(f)`: whether the position's offset in `f` counts stored bytes; a compressed
 * input's counts decompressed bytes and a Parquet file's rows, so only their versions are compared.
 */
export function checkInputs(p: FilePosition | undefined, now: ReadonlyMap<string, FileVersion>, storedOffset: (file: string) => boolean = () => true): void {
  if (p === undefined) return;
  const what = 'spec.source.files.path: input file';
  const advice = 'put the file back as it was, or start the job over (delete its checkpoint directory and output) to read the input as it is now';
  const partial = new Map<string, ResumeAt>(isV2(p) ? Object.entries(p.partial) : []);
  if (p.file !== null && p.offset > 0) partial.set(p.file, p);
  const inputs = isV2(p) ? (p.inputs ?? {}) : {};
  for (const [f, at] of partial) {
    const v = now.get(f);
    if (v === undefined) throw new JobFailedError(`${what} ${f} was removed after the job read it up to line ${at.line} (byte ${at.offset}); ${advice}`);
    const then = inputs[f];
    const change = then === undefined ? '' : versionChange(then, v);
    if (change !== '') throw new JobFailedError(`${what} ${f} changed after the job read it up to line ${at.line} (byte ${at.offset}): ${change}; ${advice}`);
    if (storedOffset(f) && v.size < at.offset) throw new JobFailedError(`${what} ${f} is ${v.size} bytes, shorter than the ${at.offset} bytes the job read of it (truncated?); ${advice}`);
  }
  if (isV2(p)) {
    for (const f of p.done) {
      const v = now.get(f);
      const then = inputs[f];
      if (v === undefined || then === undefined) continue; // a read file removed: nothing to read again
      const change = versionChange(then, v);
      if (change !== '') throw new JobFailedError(`${what} ${f} changed after the job read all of it: ${change}; its new content would never be read; ${advice}`);
    }
  }
}

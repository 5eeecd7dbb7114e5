/**
 * Where a file source runner stands, in a form that survives a change of parallelism.
 *
 * Runner i of N reads the files whose sorted index j has j % N == i, each from its start to its
 * end, in order. Its position names the files read to the end (`done`) — by any runner of the
 * job, carried from record to record — the file it is in and the next unread record there, and
 * (`partial`) where to resume files that a runner left half-read when the parallelism changed.
 * Files are named, not numbered, so the position means the same whatever the new assignment.
 *
 * Version 1 positions (`{file, offset, line}`, before parallelism could change) meant "my files
 * before `file` are done": open() resolves that against the runner's own share. Merging them
 * with other runners' positions keeps only their current file's offset.
 */

export interface ResumeAt {
  offset: number;
  line: number;
}

export interface FilePositionV2 extends ResumeAt {
  version: 2;
  /** Files read to the end, sorted. */
  done: string[];
  /** Half-read files another runner may now own: where to resume them. */
  partial: Record<string, ResumeAt>;
  /** This runner's current file (null: none, or its share is read); `offset`/`line` are in it. */
  file: string | null;
}

/** The first version: this runner's files before `file` are done; `file: null` = all done. */
export interface FilePositionV1 extends ResumeAt {
  file: string | null;
}

export type FilePosition = FilePositionV2 | FilePositionV1;

export function isV2(p: FilePosition): p is FilePositionV2 {
  return (p as FilePositionV2).version === 2;
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
  return { version: 2, done: [...done].sort(), partial: Object.fromEntries(partial), file: null, offset: 0, line: 1 };
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

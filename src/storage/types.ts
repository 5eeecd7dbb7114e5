/**
 * The recoverable-writer interface every storage backend implements (local, hdfs, oss, jindofs).
 *
 * Lifecycle of a part file, named after Flink's FileSink states:
 *   open() → in-progress (PartWriter: bytes accumulate, invisible to readers)
 *   closeForCommit() → pending (durable, invisible; described by a JSON PendingFile)
 *   commit()/commitAfterRecovery() → committed (visible under its final name)
 *
 * A PendingFile is plain JSON: it is stored in checkpoint records and handed back to a new
 * process after a crash, which must be able to commit it (`commitAfterRecovery`, idempotent)
 * or abort it (orphans). The sink never asks which backend it has, only what it can do
 * (`capabilities`).
 */

/** A pending (closed, durable, invisible) part file. JSON-serialisable; backend-specific fields allowed. */
export interface PendingFile {
  /** Final path (URI or local path) the file becomes visible under. */
  target: string;
  /** Bytes in the file. */
  bytes: number;
  /** Backend-specific recovery data: temp path, uploadId, parts and ETags, a verification token... */
  [k: string]: unknown;
}

/** What Storage.prepareOpen made for a target; only its storage reads it. */
export interface PreparedOpen {
  readonly target: string;
}

export interface SealedPart {
  pending: PendingFile;
  /** Settles when the data is durable; a failure means the pending file must not be committed. */
  durable: Promise<void>;
}

/** Bytes staged by Storage.stage: written where nothing sees them, made visible in one step. */
export interface StagedFile {
  /** Storage.createIfAbsent of the staged bytes. */
  createIfAbsent(): Promise<boolean>;
  /** Storage.put of the staged bytes. */
  put(): Promise<void>;
  /** Drop them (best effort: a restoring process sweeps what a killed one left, CheckpointStore.sweepTemps). */
  discard(): Promise<void>;
}

export interface PartWriter {
  /** Bytes accepted so far. */
  readonly bytes: number;
  /**
   * Memory the writer holds now: accepted bytes not yet stored, uploads in flight, a
   * compressor's state. The sink counts it in its memory budget. Absent: none (a local file).
   */
  readonly bufferedBytes?: number;
  /**
   * Append bytes. Callers batch: one call per flushed buffer, not per record. The chunk is
   * handed over: the writer may keep it (no copy) until closeForCommit, so the caller must not
   * change it after the call.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Make everything durable and invisible; no more writes. */
  closeForCommit(): Promise<PendingFile>;
  /**
   * closeForCommit in two halves, for a backend whose pending file is known before its data is
   * durable (its names and exact length: local disk, HDFS): no more writes; resolves once the
   * pending file is final, with `durable`, which settles as closeForCommit would. A checkpoint
   * stages its record meanwhile (Storage.stage), so on HDFS the two waits for the NameNode's
   * completeFile overlap. Absent: the close decides the pending file (OSS: the parts' ETags).
   */
  seal?(): Promise<SealedPart>;
  /** Throw away what was written (best effort). */
  abort(): Promise<void>;
}

/**
 * What tells one version of a file's content from another, as far as the backend says: the
 * size always; the modification time (local mtime, HDFS FileStatus.modificationTime, OSS
 * Last-Modified) and the ETag (OSS) where it has them. The file source keeps it in its position
 * to notice an input changed under a running job.
 */
export interface FileVersion {
  size: number;
  /** Milliseconds since the epoch. */
  modifiedMs?: number;
  etag?: string;
}

export interface Entry extends FileVersion {
  /** Name within the listed directory (no slashes). */
  name: string;
  /** Full path/URI of the entry, usable with the same Storage. */
  path: string;
  isDirectory: boolean;
}

export interface StorageCapabilities {
  /** Renames are atomic (local, HDFS) rather than object-store completes (OSS). */
  atomicRename: boolean;
  /** Uncommitted data lives in the target directory as hidden files (local, HDFS) rather than as uploads (OSS). */
  hiddenTempFiles: boolean;
  /**
   * Closes, publishes and small puts a checkpoint keeps in flight at once on this backend
   * (`spec.sink.commitConcurrency` overrides it): local disk and OSS take many, a NameNode fewer.
   */
  concurrency: number;
}

export interface Storage {
  readonly capabilities: StorageCapabilities;
  /**
   * Start a part file that will become visible at `target` when committed; with `prepared`
   * (from prepareOpen for the same target), in what was prepared.
   */
  open(target: string, prepared?: PreparedOpen): Promise<PartWriter>;
  /**
   * Optional: the costly half of open() done ahead, holding nothing open (local disk: create
   * the hidden temp file, ~0.3 ms on ext4, and close it). A sink prepares a part file while
   * records arrive, so a checkpoint's barrier does not create 10,000 files. Prepared files
   * never opened are hidden temp files like any uncommitted part (aborted as orphans).
   */
  prepareOpen?(target: string): Promise<PreparedOpen>;
  /** Publish a pending file (normal path, right after the checkpoint record is written). */
  commit(pending: PendingFile): Promise<void>;
  /** Publish a pending file after a restart: succeeds if it was already published. */
  commitAfterRecovery(pending: PendingFile): Promise<void>;
  /** Discard a pending file that no checkpoint will ever publish. Succeeds if already gone. */
  abortPending(pending: PendingFile): Promise<void>;
  /**
   * Every uncommitted part file under `root` (recursively) whose final name starts with
   * `namePrefix`, as PendingFiles that `abortPending` accepts. Used to remove orphans.
   */
  listUncommitted(root: string, namePrefix: string): Promise<PendingFile[]>;
  /** Create `path` with `data` only if nothing exists there. true: created; false: it existed. */
  createIfAbsent(path: string, data: Uint8Array): Promise<boolean>;
  /** Write a small object/file whole, replacing any previous one (e.g. `_SUCCESS`). */
  put(path: string, data: Uint8Array): Promise<void>;
  /**
   * Optional: write `data` now as a hidden temp file beside `path`, to be made visible there
   * later in one cheap step (HDFS: a RENAME, where a CREATE waits for completeFile). Absent:
   * stageFile() keeps the bytes and writes them then.
   */
  stage?(path: string, data: Uint8Array): Promise<StagedFile>;
  /** Direct children of a directory/prefix; [] if it does not exist. */
  list(dir: string): Promise<Entry[]>;
  /** Whole content, or null if absent. For small files (checkpoint records). */
  read(path: string): Promise<Uint8Array | null>;
  /** Stream a file's bytes from `offset`. */
  readStream(path: string, offset?: number): AsyncIterable<Uint8Array>;
  /** File size (and what else identifies its version), or null if absent. */
  stat(path: string): Promise<(FileVersion & { isDirectory: boolean }) | null>;
  /** Delete a file (not an error if absent). */
  delete(path: string): Promise<void>;
  /** Join a directory path and a relative name in this backend's syntax. */
  join(dir: string, ...names: string[]): string;
  close(): Promise<void>;
}

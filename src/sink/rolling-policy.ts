/**
 * RollingPolicy: when does a part file roll? Pure decisions over a read-only view of the file,
 * with Flink's `TableRollingPolicy` semantics, so they are tested without I/O.
 */
export interface PartFileInfo {
  /** Bytes written so far, buffered bytes included. */
  readonly size: number;
  readonly createdAt: number;
  readonly lastWriteAt: number;
}

export interface RollingPolicyOptions {
  fileSize: number;
  rolloverIntervalMs: number;
  inactivityIntervalMs: number;
}

/** Checked before each record is written: roll when the file is strictly larger than fileSize. */
export function shouldRollOnEvent(info: PartFileInfo, p: RollingPolicyOptions): boolean {
  return info.size > p.fileSize;
}

/** Checked every checkInterval. */
export function shouldRollOnProcessingTime(info: PartFileInfo, now: number, p: RollingPolicyOptions): boolean {
  return now - info.createdAt >= p.rolloverIntervalMs || now - info.lastWriteAt >= p.inactivityIntervalMs;
}

/** Every part file rolls at every checkpoint (no resumable in-progress files; see docs/architecture.md, "Rolling"). */
export function shouldRollOnCheckpoint(_info: PartFileInfo): boolean {
  return true;
}

/**
 * The sink's memory budget when the job does not set `spec.sink.memoryBudget`: 64 MiB, or a
 * quarter of the container's memory limit when that is less (the rest is Node's heap, the
 * source's buffers and headroom). The limit is the cgroup's: `memory.max` (cgroup v2) or
 * `memory.limit_in_bytes` (v1); "max", a v1 "unlimited" (a page-rounded 2^63) or no file means none.
 */
import { readFileSync } from 'node:fs';

export const DEFAULT_MEMORY_BUDGET = 64 << 20;
/** Never less than this, however small the container: a part file needs a few buffers. */
const MIN_DERIVED_BUDGET = 4 << 20;

const CGROUP_LIMIT_FILES = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];

/** The container's memory limit in bytes, or null when there is none. */
export function containerMemoryLimit(read: (file: string) => string = (f) => readFileSync(f, 'utf8')): number | null {
  for (const file of CGROUP_LIMIT_FILES) {
    let text: string;
    try {
      text = read(file).trim();
    } catch {
      continue;
    }
    if (text === 'max') return null;
    const n = Number(text);
    // cgroup v1 reports "no limit" as a huge page-rounded number
    if (Number.isSafeInteger(n) && n > 0) return n;
    return null;
  }
  return null;
}

/** `spec.sink.memoryBudget` if set, else the default for a container limit of `limit`. */
export function sinkMemoryBudget(configured: number | null, limit: number | null): number {
  if (configured !== null) return configured;
  if (limit === null) return DEFAULT_MEMORY_BUDGET;
  return Math.max(MIN_DERIVED_BUDGET, Math.min(DEFAULT_MEMORY_BUDGET, Math.floor(limit / 4)));
}

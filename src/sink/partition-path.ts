/**
 * BucketAssigner's naming rules: Hive-style partition paths `<key>=<value>/...`.
 *
 * Escaping is Flink 2.x's `PartitionPathUtils.escapePathName` (not URI encoding), char for char:
 * 0x00–0x1F, 0x7F and `" # % ' * / : = ? \ { } [ ] ^` become `%XX` (uppercase hex); every other
 * character, non-ASCII included, is kept. A null or empty value is `__DEFAULT_PARTITION__`.
 * Because `/` is escaped, a value such as `../../etc` can never leave the sink directory.
 *
 * Before Flink's list was matched, `}` was kept. Files written then stay where they are: a
 * checkpoint records each pending file by its final path (`PendingFile.target`) and each awaiting
 * partition by its path, and a restore publishes and commits those recorded names; it never
 * recomputes them from the values. `unescapePathName` reads both spellings back to the same value.
 */
export const DEFAULT_PARTITION_NAME = '__DEFAULT_PARTITION__';

/**
 * Longest `key=value` directory name, in UTF-8 bytes: NAME_MAX on Linux file systems and HDFS's
 * default `dfs.namenode.fs-limits.max-component-length`. OSS has no such limit, but a
 * partitioned table must stay copyable between backends, so it holds everywhere.
 */
export const MAX_PARTITION_NAME_BYTES = 255;

/**
 * A row whose partition value cannot be a directory name. The row is a bad record (the job's
 * bad-record policy applies), never shortened: the value lives only in the directory name, so a
 * shortened name would change the data a reader sees (docs/decisions/0009).
 */
export class PartitionValueError extends Error {
  readonly field: string;

  constructor(field: string, reason: string) {
    super(`field '${field}': ${reason}`);
    this.name = 'PartitionValueError';
    this.field = field;
  }
}

/** Throws PartitionValueError if a segment of `partitionPath(keys, ...)` is too long for a directory name. */
export function checkPartitionPath(keys: readonly string[], path: string): void {
  if (path.length <= MAX_PARTITION_NAME_BYTES / 4) return; // no segment can be over: 4 bytes a char at most
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const bytes = Buffer.byteLength(segments[i]!);
    if (bytes > MAX_PARTITION_NAME_BYTES) {
      throw new PartitionValueError(keys[i]!, `the partition directory name would be ${bytes} bytes once escaped (${segments[i]!.slice(0, 40)}…); a directory name holds at most ${MAX_PARTITION_NAME_BYTES}`);
    }
  }
}

const ESCAPED = new Set(['"', '#', '%', "'", '*', '/', ':', '=', '?', '\\', '{', '}', '[', ']', '^', '\u007f']);

function needsEscape(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x20 || ESCAPED.has(c);
}

export function escapePathName(value: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (needsEscape(c)) {
      out += value.slice(start, i) + '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
      start = i + 1;
    }
  }
  return start === 0 ? value : out + value.slice(start);
}

export function unescapePathName(name: string): string {
  return name.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Text of a partition value as Flink writes it (`String.valueOf`), or null for the default partition. */
export function partitionValueText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v);
  return s === '' ? null : s;
}

/** `k1=v1/k2=v2` for the given keys and values. */
export function partitionPath(keys: readonly string[], values: readonly unknown[]): string {
  let p = '';
  for (let i = 0; i < keys.length; i++) {
    const text = partitionValueText(values[i]);
    if (i > 0) p += '/';
    p += escapePathName(keys[i]!) + '=' + (text === null ? DEFAULT_PARTITION_NAME : escapePathName(text));
  }
  return p;
}

/** Parse `k1=v1/k2=v2` back into values (the partition-time extractor needs them). */
export function parsePartitionPath(p: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  if (p === '') return out;
  for (const seg of p.split('/')) {
    const eq = seg.indexOf('=');
    const k = unescapePathName(seg.slice(0, eq));
    const v = seg.slice(eq + 1);
    out.set(k, v === DEFAULT_PARTITION_NAME ? null : unescapePathName(v));
  }
  return out;
}

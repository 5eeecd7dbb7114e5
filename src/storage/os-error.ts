/**
 * Operating-system errors (Node's `ErrnoException`: `code`, `syscall`, `path`, `address`) made
 * into one line a user can act on: what was being done, to which path or address, and why in
 * words (`cannot create directory /data/out/dt=1: read-only file system (EROFS)`). The raw error
 * stays as the `cause`, and its stack is shown only with SLUICE_DEBUG=1 (cli/error-output.ts).
 */
import { StorageError } from './errors.ts';

export interface OsError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
  address?: string;
  port?: number;
}

/** The causes a user can meet, in words; the code is shown beside them for searching. */
const CAUSES: Record<string, string> = {
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'name too long',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (permissions, or an immutable file)',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files (raise ulimit -n)',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error (the disk or network file system failed)',
  EXDEV: 'rename across file systems',
  EBUSY: 'resource busy',
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ECONNRESET: 'connection reset by the peer',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS), try again',
  EPIPE: 'the other end closed the connection',
};

const VERBS: Record<string, string> = {
  mkdir: 'cannot create directory',
  open: 'cannot open',
  write: 'cannot write',
  read: 'cannot read',
  fsync: 'cannot flush to disk',
  fdatasync: 'cannot flush to disk',
  close: 'cannot close',
  rename: 'cannot rename',
  link: 'cannot link',
  unlink: 'cannot delete',
  rm: 'cannot delete',
  rmdir: 'cannot delete',
  scandir: 'cannot list',
  opendir: 'cannot list',
  stat: 'cannot stat',
  lstat: 'cannot stat',
  access: 'cannot access',
  connect: 'cannot connect to',
  getaddrinfo: 'cannot resolve',
};

export function isOsError(e: unknown): e is OsError {
  if (!(e instanceof Error)) return false;
  const x = e as Partial<OsError>;
  return typeof x.code === 'string' && /^E[A-Z0-9_]+$/.test(x.code) && (typeof x.syscall === 'string' || typeof x.errno === 'number');
}

/** The first OS error in `e` and its `cause` chain, if any. */
export function findOsError(e: unknown): OsError | undefined {
  for (let x: unknown = e, depth = 0; x !== undefined && x !== null && depth < 10; x = (x as { cause?: unknown }).cause, depth++) {
    if (isOsError(x)) return x;
  }
  return undefined;
}

/** The cause of an error code in words with the code: `read-only file system (EROFS)`. */
export function causeOfCode(code: string): string {
  const words = CAUSES[code];
  return words === undefined ? code : `${words} (${code})`;
}

export function osCause(e: OsError): string {
  return causeOfCode(e.code);
}

/**
 * One line: `<what> <path>: <cause>`. `path` names the file when the error has none (a write to
 * an open file descriptor reports no path).
 */
export function describeOsError(e: OsError, path?: string): string {
  const syscall = e.syscall ?? '';
  const verb = VERBS[syscall] ?? (syscall === '' ? 'failed on' : `${syscall} failed on`);
  let target: string;
  if (e.address !== undefined) target = e.port === undefined ? e.address : `${e.address}:${e.port}`;
  else if (e.dest !== undefined && (e.path ?? path) !== undefined) target = `${e.path ?? path} to ${e.dest}`;
  else if (e.path !== undefined || path !== undefined) target = e.path ?? path!;
  else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') target = (e as { hostname?: string }).hostname ?? '(unknown host)';
  else target = '(no path given)';
  return `${verb} ${target}: ${osCause(e)}`;
}

/** Codes where trying again later can help (the disk may free up, the server may come back). */
const RETRIABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'EBUSY', 'EMFILE', 'ENFILE']);

/** A StorageError saying `describeOsError(e, path)`, with `e` as its cause. Other errors are returned unchanged. */
export function storageErrorFrom(e: unknown, path?: string): unknown {
  if (!isOsError(e)) return e;
  return new StorageError(describeOsError(e, path), { cause: e, retriable: RETRIABLE.has(e.code) });
}

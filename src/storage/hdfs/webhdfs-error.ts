/**
 * A WebHDFS call failed. When the NameNode or DataNode answered with a RemoteException, its
 * class is kept (`FileAlreadyExistsException`, `FileNotFoundException`, `StandbyException`...)
 * so callers branch on `exception`, never on message text. Messages name the operation and
 * the HDFS path, never the URL (it may carry a delegation token).
 */
import { StorageError } from '../errors.ts';

export interface WebHdfsErrorDetails {
  /** WebHDFS operation, e.g. CREATE, RENAME. */
  op: string;
  /** HDFS path the operation was on. */
  path: string;
  /** HTTP status, or 0 when no answer came (connection refused/reset, timeout). */
  status: number;
  /** RemoteException simple class name, e.g. FileNotFoundException; '' if none. */
  exception?: string;
  /** RemoteException fully qualified Java class name; '' if none. */
  javaClassName?: string;
  retriable: boolean;
  cause?: unknown;
}

export class WebHdfsError extends StorageError {
  readonly op: string;
  readonly path: string;
  readonly status: number;
  readonly exception: string;
  readonly javaClassName: string;

  constructor(message: string, details: WebHdfsErrorDetails) {
    super(message, { retriable: details.retriable, cause: details.cause });
    this.op = details.op;
    this.path = details.path;
    this.status = details.status;
    this.exception = details.exception ?? '';
    this.javaClassName = details.javaClassName ?? '';
  }
}

/** True if `e` is a WebHdfsError whose RemoteException class is one of `classes`. */
export function isRemoteException(e: unknown, ...classes: string[]): e is WebHdfsError {
  return e instanceof WebHdfsError && classes.includes(e.exception);
}

/**
 * The server refused before doing anything (a standby NameNode, safe mode right after a
 * restart, an explicit RetriableException): safe to try again, for every operation.
 */
export const REFUSED_BEFORE_ACTING = new Set(['StandbyException', 'RetriableException', 'SafeModeException', 'ObserverRetryOnActiveException']);

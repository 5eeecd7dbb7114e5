/**
 * Every checkpoint-state file proves itself: a one-line header naming what the file is (its
 * kind and identity: job, runner index, epoch, checkpoint id), the format version, the body's
 * length and its SHA-256, then the body (JSON):
 *
 *   {"sluice":"checkpoint-record","version":2,"job":"j","runner":0,"epoch":3,"id":17,"bytes":812,"sha256":"…"}
 *   {…the record…}
 *
 * `jq . file` still reads both. Opening a file checks the header, the length (a truncated or
 * appended file), the checksum (an edited body) and the identity against what the caller
 * expects (a file copied from another lineage, renamed, or its header edited). Any mismatch is
 * a DamagedStateError: the runner stops with one line naming the file and what to do, and never
 * falls back to an older position on its own.
 *
 * Files of format version 1 (plain JSON, no header: written before checksums) are still read;
 * their identity fields, where they have them, are still checked by the caller.
 */
import { createHash } from 'node:crypto';
import { JobFailedError } from '../errors.ts';

export const STATE_FORMAT_VERSION = 2;

export type StateKind = 'checkpoint-record' | 'committed' | 'retired' | 'epoch-claim' | 'job-identity';

export interface StateIdentity {
  kind: StateKind;
  job: string;
  runner?: number;
  epoch?: number;
  id?: number;
}

interface Header extends Omit<StateIdentity, 'kind'> {
  sluice: StateKind;
  version: number;
  bytes: number;
  sha256: string;
}

/**
 * Checkpoint state that is missing, damaged or inconsistent. Not retriable: the same state
 * fails the same way; a human decides between a backup and starting over.
 */
export class DamagedStateError extends JobFailedError {
  readonly file: string;

  constructor(file: string, what: string, checkpointDir?: string) {
    super(
      `checkpoint state damaged: ${file}: ${what}. Sluice does not resume from an older position on its own: put the lineage's files back from a backup` +
        (checkpointDir === undefined ? '' : `, or start the job over (delete ${checkpointDir} and the job's output)`),
    );
    this.file = file;
  }
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The bytes of a state file holding `body` as `identity`. */
export function sealState(identity: StateIdentity, body: unknown): Buffer {
  const data = Buffer.from(JSON.stringify(body));
  const { kind, ...who } = identity;
  const header: Header = { sluice: kind, version: STATE_FORMAT_VERSION, ...who, bytes: data.length, sha256: sha256(data) };
  return Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), data]);
}

/** A state file's body and format version (1: legacy, unchecked), after every check. */
export function openState(data: Uint8Array, file: string, expect: StateIdentity, checkpointDir?: string): { version: number; body: unknown } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const damaged = (what: string): DamagedStateError => new DamagedStateError(file, what, checkpointDir);
  if (buf.length === 0) throw damaged('the file is empty');
  if (!buf.subarray(0, 10).toString('utf8').startsWith('{"sluice"')) {
    // Format version 1: plain JSON, no checksum.
    try {
      return { version: 1, body: JSON.parse(buf.toString('utf8')) };
    } catch {
      throw damaged('not valid JSON (truncated or overwritten?)');
    }
  }
  const nl = buf.indexOf(10);
  if (nl < 0) throw damaged('its header is cut short (truncated?)');
  let h: Header;
  try {
    h = JSON.parse(buf.toString('utf8', 0, nl)) as Header;
  } catch {
    throw damaged('its header is not valid JSON (edited or overwritten?)');
  }
  if (typeof h.version !== 'number' || h.version > STATE_FORMAT_VERSION) {
    throw damaged(`format version ${String(h.version)}; this Sluice reads versions 1 to ${STATE_FORMAT_VERSION} (written by a newer Sluice?)`);
  }
  if (h.sluice !== expect.kind) throw damaged(`it holds a ${String(h.sluice)}, not a ${expect.kind}`);
  const body = buf.subarray(nl + 1);
  if (body.length !== h.bytes) throw damaged(`${body.length} bytes after the header, the header says ${h.bytes} (truncated or appended to)`);
  const sum = sha256(body);
  if (sum !== h.sha256) throw damaged(`SHA-256 of the body is ${sum.slice(0, 16)}…, the header says ${String(h.sha256).slice(0, 16)}… (edited?)`);
  for (const k of ['job', 'runner', 'epoch', 'id'] as const) {
    if (expect[k] !== undefined && h[k] !== expect[k]) throw damaged(`its header says ${k} ${JSON.stringify(h[k])}, expected ${JSON.stringify(expect[k])} (copied or renamed from elsewhere?)`);
  }
  try {
    return { version: h.version, body: JSON.parse(body.toString('utf8')) };
  } catch {
    throw damaged('its body is not valid JSON although its checksum matches (written by a broken Sluice?)');
  }
}

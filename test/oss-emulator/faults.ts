/**
 * Fault injection: rules that make chosen requests fail the way a real network or a busy
 * OSS front end does, so clients' retry paths are exercised on demand.
 *
 * Kinds:
 *   error  – answer with an OSS error XML (InternalError 500 by default, or ServiceUnavailable 503).
 *   reset  – destroy the socket: no status line reaches the client (ECONNRESET / socket hang up).
 *   slow   – wait `delayMs` before handling the request.
 *   stall  – never send headers; hold the socket for `delayMs` (default: until the client gives
 *            up), then destroy it. Exercises client timeouts.
 *   corrupt – flip one bit of the request body as it arrives (a transfer error nothing below
 *            HTTP caught): a body sent with Content-MD5 is refused with InvalidDigest, one
 *            without is stored as it arrived. Always `before`.
 *
 * `when` says whether the fault hits before the operation runs (`before`, the default: the
 * operation has no effect) or after it ran and only its response is lost (`after`: the
 * object is written / the upload completed, but the client never learns it). For GetObject,
 * `mid-body` sends the headers and half the body, then resets the socket.
 *
 * Which requests a rule hits: those matching `operation` (one or a list) and `keyPrefix`;
 * among them, the `nth` (1-based, counted from when the rule was added), or every one with
 * probability `rate`, at most `times` times (default 1 with `nth`, unlimited with `rate`).
 * A rule with neither `nth` nor `rate` hits the next matching request(s).
 */

export type FaultKind = 'error' | 'reset' | 'slow' | 'stall' | 'corrupt';

export interface FaultRule {
  kind: FaultKind;
  /** Operation names as the emulator logs them (PutObject, UploadPart, CompleteMultipartUpload...). */
  operation?: string | string[];
  /** Only requests whose object key starts with this. */
  keyPrefix?: string;
  nth?: number;
  /** 0..1 */
  rate?: number;
  times?: number;
  /** For `error`. @default 'InternalError' */
  code?: 'InternalError' | 'ServiceUnavailable';
  /** For `slow` (required) and `stall` (optional: how long to hold the socket). */
  delayMs?: number;
  /** @default 'before' */
  when?: 'before' | 'after' | 'mid-body';
}

export interface ActiveFault extends FaultRule {
  id: number;
  /** Matching requests seen since the rule was added. */
  seen: number;
  /** How many times it fired. */
  fired: number;
}

const KINDS: readonly FaultKind[] = ['error', 'reset', 'slow', 'stall', 'corrupt'];

/** Check a rule coming from JSON; throws an Error naming the bad field. */
export function validateFaultRule(raw: unknown): FaultRule {
  if (typeof raw !== 'object' || raw === null) throw new Error('fault rule must be a JSON object');
  const r = raw as Record<string, unknown>;
  if (!KINDS.includes(r.kind as FaultKind)) throw new Error(`fault rule .kind must be one of ${KINDS.join(', ')}; got ${JSON.stringify(r.kind)}`);
  const num = (name: string, min: number, max = Infinity): void => {
    const v = r[name];
    if (v !== undefined && (typeof v !== 'number' || !(v >= min && v <= max))) throw new Error(`fault rule .${name} must be a number in [${min}, ${max}]; got ${JSON.stringify(v)}`);
  };
  num('nth', 1);
  num('rate', 0, 1);
  num('times', 1);
  num('delayMs', 0);
  if (r.kind === 'slow' && r.delayMs === undefined) throw new Error('fault rule .delayMs is required for kind "slow"');
  if (r.code !== undefined && r.code !== 'InternalError' && r.code !== 'ServiceUnavailable') throw new Error('fault rule .code must be InternalError or ServiceUnavailable');
  if (r.when !== undefined && !['before', 'after', 'mid-body'].includes(r.when as string)) throw new Error('fault rule .when must be before, after or mid-body');
  if (r.kind === 'corrupt' && r.when !== undefined && r.when !== 'before') throw new Error('fault rule .when must be before for kind "corrupt" (the body is corrupted as it arrives)');
  const op = r.operation;
  if (op !== undefined && typeof op !== 'string' && !(Array.isArray(op) && op.every((o) => typeof o === 'string'))) throw new Error('fault rule .operation must be a string or a list of strings');
  if (r.keyPrefix !== undefined && typeof r.keyPrefix !== 'string') throw new Error('fault rule .keyPrefix must be a string');
  return r as unknown as FaultRule;
}

export class FaultInjector {
  private rules: ActiveFault[] = [];
  private nextId = 1;
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  /** Add a rule; returns its id (for `remove`). */
  add(rule: FaultRule): number {
    const checked = validateFaultRule(rule);
    const id = this.nextId++;
    this.rules.push({ ...checked, id, seen: 0, fired: 0 });
    return id;
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The fault to apply to this request, if any (first matching rule that fires). */
  pick(operation: string, key: string): ActiveFault | undefined {
    for (const r of this.rules) {
      const ops = r.operation === undefined ? undefined : Array.isArray(r.operation) ? r.operation : [r.operation];
      if (ops && !ops.includes(operation)) continue;
      if (r.keyPrefix !== undefined && !key.startsWith(r.keyPrefix)) continue;
      r.seen++;
      const limit = r.times ?? (r.rate !== undefined ? Infinity : 1);
      if (r.fired >= limit) continue;
      const hit = r.nth !== undefined ? r.seen >= r.nth : r.rate !== undefined ? this.random() < r.rate : true;
      if (!hit) continue;
      r.fired++;
      return { ...r };
    }
    return undefined;
  }
}

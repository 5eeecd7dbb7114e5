/**
 * Exact DECIMAL arithmetic. A DECIMAL value is carried as canonical text (`'12.30'` for
 * DECIMAL(p, 2)); here it becomes an unscaled bigint plus a scale, is computed exactly, and is
 * formatted back with the result type's scale. Rounding is HALF_UP, as Java's BigDecimal in
 * Flink. A result with more digits than its precision is NULL (Flink's overflow rule).
 */
import { EvaluationError } from '../errors.ts';

export interface Unscaled {
  u: bigint;
  s: number;
}

const DECIMAL_TEXT = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

/** Reads decimal text (also `1.5E3`); undefined when it is not a number. */
export function parseDecimal(text: string): Unscaled | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  let u = BigInt((m[2] || '0') + frac);
  let s = frac.length - (m[4] ? Number(m[4]) : 0);
  if (s < 0) { u *= 10n ** BigInt(-s); s = 0; }
  return { u: m[1] === '-' ? -u : u, s };
}

export function formatDecimal(u: bigint, scale: number): string {
  const neg = u < 0n;
  let digits = (neg ? -u : u).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return neg ? `-${digits}` : digits;
}

/** n / d rounded HALF_UP (away from zero on ties). */
export function divideHalfUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const absD = d < 0n ? -d : d;
  if (twice < absD) return q;
  return (n < 0n) !== (d < 0n) ? q - 1n : q + 1n;
}

export function rescale(v: Unscaled, scale: number): bigint {
  if (scale === v.s) return v.u;
  if (scale > v.s) return v.u * 10n ** BigInt(scale - v.s);
  return divideHalfUp(v.u, 10n ** BigInt(v.s - scale));
}

export function fits(u: bigint, precision: number): boolean {
  return (u < 0n ? -u : u) < 10n ** BigInt(precision);
}

function read(text: string): Unscaled {
  const v = parseDecimal(text);
  // Only a decoder bug can put non-numeric text into a DECIMAL column; say so plainly.
  if (!v) throw new EvaluationError(`'${text}' is not a DECIMAL value`, 'DECIMAL');
  return v;
}

function result(u: bigint, scale: number, precision: number): string | null {
  return fits(u, precision) ? formatDecimal(u, scale) : null;
}

export function decAdd(a: string, b: string, scale: number, precision: number): string | null {
  return result(rescale(read(a), scale) + rescale(read(b), scale), scale, precision);
}

export function decSub(a: string, b: string, scale: number, precision: number): string | null {
  return result(rescale(read(a), scale) - rescale(read(b), scale), scale, precision);
}

export function decMul(a: string, b: string, scale: number, precision: number): string | null {
  const x = read(a);
  const y = read(b);
  return result(rescale({ u: x.u * y.u, s: x.s + y.s }, scale), scale, precision);
}

export function decDiv(a: string, b: string, scale: number, precision: number, expr: string): string | null {
  const x = read(a);
  const y = read(b);
  if (y.u === 0n) throw new EvaluationError('division by zero', expr);
  // a/b = (x.u / 10^x.s) / (y.u / 10^y.s); scaled by 10^scale.
  const n = x.u * 10n ** BigInt(scale + y.s);
  const d = y.u * 10n ** BigInt(x.s);
  return result(divideHalfUp(n, d), scale, precision);
}

export function decMod(a: string, b: string, scale: number, expr: string): string {
  const x = rescale(read(a), scale);
  const y = rescale(read(b), scale);
  if (y === 0n) throw new EvaluationError('division by zero', expr);
  return formatDecimal(x % y, scale);
}

export function decNeg(a: string): string {
  const v = read(a);
  return formatDecimal(-v.u, v.s);
}

export function decAbs(a: string): string {
  const v = read(a);
  return formatDecimal(v.u < 0n ? -v.u : v.u, v.s);
}

export function decCmp(a: string, b: string): number {
  const x = read(a);
  const y = read(b);
  const s = Math.max(x.s, y.s);
  const d = rescale(x, s) - rescale(y, s);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export function decEq(a: string, b: string): boolean {
  return decCmp(a, b) === 0;
}

/** ROUND(x, digits) into a result of `scale` fractional digits. */
export function decRound(a: string, digits: number, scale: number): string {
  const v = read(a);
  const rounded = digits >= v.s ? v.u * 10n ** BigInt(digits - v.s) : divideHalfUp(v.u, 10n ** BigInt(v.s - digits));
  return formatDecimal(rescale({ u: rounded, s: digits }, scale), scale);
}

function toZeroScale(a: string, up: boolean): string {
  const v = read(a);
  if (v.s <= 0) return formatDecimal(rescale(v, 0), 0);
  const p = 10n ** BigInt(v.s);
  let q = v.u / p;
  const r = v.u % p;
  if (r !== 0n && up && v.u > 0n) q += 1n;
  if (r !== 0n && !up && v.u < 0n) q -= 1n;
  return formatDecimal(q, 0);
}

export function decFloor(a: string): string {
  return toZeroScale(a, false);
}

export function decCeil(a: string): string {
  return toZeroScale(a, true);
}

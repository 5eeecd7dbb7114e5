/**
 * Integer arithmetic with Flink's (Java's) semantics, for values JS carries differently.
 * INT is a JS number kept in int32 range: results wrap like Java int (`| 0`, Math.imul).
 * BIGINT is a bigint: results wrap like Java long (BigInt.asIntN(64, ...)).
 *
 * MOD vs PMOD, the one place where SQL, Java, JS and Python disagree:
 * - MOD(a, b) is SQL/Flink MOD = Java `%`: the result has the sign of the dividend,
 *   MOD(-7, 3) = -1. JS `%` agrees (but gives -0, normalised here to 0).
 * - PMOD(a, b) is Hive/Flink PMOD = ((a % b) + b) % b: never negative for b > 0,
 *   PMOD(-7, 3) = 2, which is what Python's `uid % 3` (the seed's UDF) computes.
 */
import { EvaluationError } from '../errors.ts';

const divZero = (expr: string) => new EvaluationError('division by zero', expr);

export function intDiv(a: number, b: number, expr: string): number {
  if (b === 0) throw divZero(expr);
  return (a / b) | 0;
}

export function intMod(a: number, b: number, expr: string): number {
  if (b === 0) throw divZero(expr);
  return (a % b) | 0;
}

export function intPmod(a: number, b: number, expr: string): number {
  if (b === 0) throw divZero(expr);
  const m = a % b;
  // Only add b when the signs differ, so the sum stays in range.
  return (m !== 0 && (m < 0) !== (b < 0) ? m + b : m) | 0;
}

export function bigDiv(a: bigint, b: bigint, expr: string): bigint {
  if (b === 0n) throw divZero(expr);
  return BigInt.asIntN(64, a / b);
}

export function bigMod(a: bigint, b: bigint, expr: string): bigint {
  if (b === 0n) throw divZero(expr);
  return a % b;
}

export function bigPmod(a: bigint, b: bigint, expr: string): bigint {
  if (b === 0n) throw divZero(expr);
  const m = a % b;
  return m !== 0n && (m < 0n) !== (b < 0n) ? m + b : m;
}

/** DOUBLE MOD follows Java: fmod, NaN for a zero divisor (no error, like Flink). */
export function doubleMod(a: number, b: number): number {
  return a % b;
}

export function doublePmod(a: number, b: number): number {
  const m = a % b;
  return m !== 0 && (m < 0) !== (b < 0) ? m + b : m;
}

export function bigAbs(a: bigint): bigint {
  return BigInt.asIntN(64, a < 0n ? -a : a);
}

/** ROUND for DOUBLE: HALF_UP on the decimal digits (Flink uses BigDecimal), not JS's half-to-+inf. */
export function doubleRound(a: number, digits: number): number {
  if (!Number.isFinite(a)) return a;
  const factor = 10 ** digits;
  const scaled = Math.abs(a) * factor;
  // toPrecision(15) removes binary noise so 2.675 rounds like the decimal 2.675 reads.
  const r = Math.round(Number(scaled.toPrecision(15))) / factor;
  return a < 0 ? -r : r;
}

/** ROUND for INT/BIGINT with negative digits (ROUND(1234, -2) = 1200); non-negative digits keep the value. */
export function bigRound(a: bigint, digits: number): bigint {
  if (digits >= 0) return a;
  const p = 10n ** BigInt(-digits);
  const q = a / p;
  const r = a % p;
  const twice = (r < 0n ? -r : r) * 2n;
  return BigInt.asIntN(64, (twice >= p ? (a < 0n ? q - 1n : q + 1n) : q) * p);
}

export function intRound(a: number, digits: number): number {
  return Number(bigRound(BigInt(a), digits)) | 0;
}

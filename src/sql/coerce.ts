/**
 * Conversions between SQL types inside an expression: the implicit ones the checker inserts
 * (INT meets BIGINT, a string compared with a TIMESTAMP, a CASE branch of another scale) and
 * explicit CAST / TRY_CAST. Literals are converted at compile time, so `bigintCol = 5` compares
 * against `5n` with no per-row work, and `ts > 'garbage'` fails when the query is compiled.
 */
import type { RowValue } from '../api/types.ts';
import { castAllowed, makeCast } from './functions/cast.ts';
import { lit, op, type Expr } from './ir.ts';
import { isInt32, type SqlType, withNullable } from './sql-types.ts';

export { castAllowed };

const INT_WIDTH: Record<string, number> = { TINYINT: 8, SMALLINT: 16, INT: 32 };

function sameRepresentation(from: SqlType, to: SqlType): boolean {
  if (from.kind === to.kind) {
    if (to.kind === 'DECIMAL') return from.scale === to.scale;
    if (to.kind === 'STRING') return to.precision === undefined || (from.precision !== undefined && from.precision <= to.precision);
    return to.kind !== 'TIMESTAMP' || (from.precision ?? 6) <= (to.precision ?? 6);
  }
  // Widening between int32 kinds needs no work; narrowing wraps (see makeCast).
  if (isInt32(from) && isInt32(to)) return INT_WIDTH[from.kind] <= INT_WIDTH[to.kind];
  // INT values are already valid DOUBLEs; FLOAT values are DOUBLEs.
  if (isInt32(from) && to.kind === 'DOUBLE') return true;
  return from.kind === 'FLOAT' && to.kind === 'DOUBLE';
}

/**
 * Converts `e` to `to`. Implicit conversions never fail at run time except a string read as
 * a DATE/TIMESTAMP, which fails like CAST.
 * @param text  SQL text naming the expression in a run-time error
 * @param orNull  TRY_CAST semantics
 */
export function convert(e: Expr, to: SqlType, text: string, orNull = false): Expr {
  const from = e.type;
  const nullable = from.nullable || orNull;
  const target = withNullable(to, nullable);
  if (from.kind === 'NULL') return lit(null, withNullable(to, true));
  if (sameRepresentation(from, to)) return retype(e, target);
  const fn = makeCast(from, to, text, orNull);
  if (e.k === 'lit' && e.value !== null) {
    // Fold: a bad literal fails here, at compile time (the caller turns it into a SqlError).
    const value = (fn as (v: RowValue) => RowValue)(e.value);
    return lit(value, withNullable(to, value === null));
  }
  // The common widenings are inlined; the rest call the cast function picked for this pair.
  if (to.kind === 'BIGINT' && isInt32(from)) return op([e], target, ([x]) => `BigInt(${x})`);
  if ((to.kind === 'DOUBLE') && (from.kind === 'BIGINT' || from.kind === 'DECIMAL')) return op([e], target, ([x]) => `Number(${x})`);
  return op([e], target, ([x], ctx) => `${ctx.constant(fn)}(${x})`);
}

function retype(e: Expr, type: SqlType): Expr {
  if (e.type === type) return e;
  switch (e.k) {
    case 'ref': return { k: 'ref', code: e.code, type };
    case 'lit': return { k: 'lit', value: e.value, type: withNullable(type, e.value === null) };
    default: return { ...e, type };
  }
}

/**
 * The typed intermediate form between the checker and the code generator. Every expression
 * is a column reference, a literal, or an operation that knows how to print itself as JS.
 *
 * A `strict` operation is NULL when any argument is NULL (most SQL functions): the generator
 * wraps it in the null checks its nullable arguments need, and `emit` sees non-null values.
 * A non-strict one (AND, CASE, COALESCE, IS NULL, ...) gets the raw argument code and handles
 * NULL itself. `emit` must use each argument code at most once (they may be expressions);
 * when it needs a value twice it stores it in a temporary from `ctx.tmp()`.
 */
import type { RowValue } from '../api/types.ts';
import type { HelperName } from './functions/index.ts';
import type { SqlType } from './sql-types.ts';

export interface EmitContext {
  /** A fresh local variable name. */
  tmp(): string;
  /** Name of a runtime helper from functions/, as a local. */
  helper(name: HelperName): string;
  /** A compile-time constant (a cast function, a Set, a RegExp), as a local. */
  constant(value: unknown): string;
}

export type Emit = (args: string[], ctx: EmitContext) => string;

export type Expr =
  | { readonly k: 'ref'; readonly code: string; readonly type: SqlType }
  | { readonly k: 'lit'; readonly value: RowValue; readonly type: SqlType }
  | { readonly k: 'op'; readonly args: Expr[]; readonly type: SqlType; readonly strict: boolean; readonly emit: Emit };

export function lit(value: RowValue, type: SqlType): Expr {
  return { k: 'lit', value, type: value === null && !type.nullable ? { ...type, nullable: true } : type };
}

export function op(args: Expr[], type: SqlType, emit: Emit, strict = true): Expr {
  return { k: 'op', args, type, emit, strict };
}

/** Any argument nullable → the strict result is nullable. */
export function anyNullable(args: Expr[]): boolean {
  return args.some((a) => a.type.nullable);
}

/** JS source for a literal value. */
export function literalCode(value: RowValue): string {
  switch (typeof value) {
    case 'bigint': return `${value}n`;
    case 'string': return JSON.stringify(value);
    case 'number': return Object.is(value, -0) ? '-0' : value < 0 ? `(${value})` : String(value);
    case 'boolean': return String(value);
    default: return 'null';
  }
}

/**
 * What a built-in function sees when the checker meets a call: its typed arguments and ways
 * to reject the call with a SqlError positioned at it.
 */
import type { AstNode } from '../locate.ts';
import type { Expr } from '../ir.ts';

export interface Call {
  /** Upper-case function name. */
  readonly name: string;
  readonly args: Expr[];
  /** SQL text of each argument and of the whole call, for run-time messages. */
  readonly argTexts: string[];
  readonly text: string;
  /** Keywords inside the parentheses (`TRIM(BOTH ' ' FROM s)`), upper-case, in order. */
  readonly keywords: string[];
  readonly argNodes: AstNode[];
  /** Throws a SqlError at the call. */
  fail(message: string, hint?: string): never;
  /** Throws `wrong number of arguments` unless min ≤ n ≤ max. */
  arity(min: number, max?: number): void;
}

export type Builtin = (call: Call) => Expr;

/** A string literal argument's value (patterns, formats), or undefined when computed per row. */
export function literalString(e: Expr): string | undefined {
  return e.k === 'lit' && typeof e.value === 'string' ? e.value : undefined;
}

export function literalInt(e: Expr): number | undefined {
  return e.k === 'lit' && typeof e.value === 'number' && Number.isInteger(e.value) ? e.value : undefined;
}

/**
 * Typed IR → JavaScript source, instantiated once with `new Function`. The generated module
 * has, for a query with columns c0..cn and an optional WHERE:
 *
 *   function u0(p0) {...}            one per FunctionDef (its expression, result cast)
 *   function row(r) {...}            WHERE check, then `return [c0, ..., cn]`, or null
 *   function batch(rows, out) {...}  the hot loop: row() over rows, survivors into out
 *   function col0(r) ... keep(r)     each column / the WHERE alone, only used to find which
 *                                    one failed after an error (the hot path keeps no book)
 *
 * Helpers are bound to locals first, so calls are direct and V8 can inline them.
 */
import type { Row } from '../api/types.ts';
import { helpers, type HelperName } from './functions/index.ts';
import { literalCode, type EmitContext, type Expr } from './ir.ts';

export interface FunctionCode {
  jsName: string;
  params: number;
  body: Expr;
}

export interface ProgramCode {
  functions: FunctionCode[];
  columns: Expr[];
  where: Expr | undefined;
}

export interface Program {
  row(r: Row): Row | null;
  /** Calls onError(error, i, rows) when row i throws; returns the count written to out. */
  batch(rows: Row[], out: Row[]): number;
  cols: Array<(r: Row) => unknown>;
  keep: (r: Row) => boolean;
  /** The generated source, for debugging (`SLUICE_SQL_DEBUG`). */
  source: string;
}

class Context implements EmitContext {
  private temps = 0;
  readonly usedHelpers = new Set<HelperName>();
  readonly constants: unknown[] = [];

  tmp(): string {
    return `t${this.temps++}`;
  }

  helper(name: HelperName): string {
    this.usedHelpers.add(name);
    return `$${name}`;
  }

  constant(value: unknown): string {
    let i = this.constants.indexOf(value);
    if (i < 0) i = this.constants.push(value) - 1;
    return `k${i}`;
  }

  /** Declares the temporaries used since the last call. */
  takeTemps(): string {
    const n = this.temps;
    this.temps = 0;
    return n === 0 ? '' : `let ${Array.from({ length: n }, (_, i) => `t${i}`).join(', ')};`;
  }
}

function isNullLiteral(e: Expr): boolean {
  return e.k === 'lit' && e.value === null;
}

export function emit(e: Expr, ctx: Context): string {
  if (e.k === 'ref') return e.code;
  if (e.k === 'lit') return literalCode(e.value);
  if (!e.strict) return e.emit(e.args.map((a) => emit(a, ctx)), ctx);
  if (e.args.some(isNullLiteral)) return 'null';
  const checks: string[] = [];
  const values = e.args.map((a) => {
    const code = emit(a, ctx);
    if (!a.type.nullable) return code;
    const v = ctx.tmp();
    checks.push(`(${v} = ${code}) === null`);
    return v;
  });
  const body = e.emit(values, ctx);
  return checks.length === 0 ? body : `(${checks.join(' || ')} ? null : ${body})`;
}

function fn(name: string, params: string, body: string, ctx: Context): string {
  return `function ${name}(${params}) { ${ctx.takeTemps()} ${body} }`;
}

/** Called by the generated batch loop when row i throws; must throw. */
export type BatchErrorHandler = (error: unknown, index: number, rows: Row[]) => never;

export function generate(code: ProgramCode, onError: BatchErrorHandler): Program {
  const ctx = new Context();
  const parts: string[] = [];
  for (const f of code.functions) {
    const params = Array.from({ length: f.params }, (_, i) => `p${i}`).join(', ');
    const body = emit(f.body, ctx);
    parts.push(fn(f.jsName, params, `return ${body};`, ctx));
  }
  const cols = code.columns.map((c) => emit(c, ctx));
  const where = code.where ? emit(code.where, ctx) : undefined;
  parts.push(fn('row', 'r', `${where ? `if (${where} !== true) return null; ` : ''}return [${cols.join(', ')}];`, ctx));
  // Each column and the WHERE alone, for diagnose() after a failure.
  code.columns.forEach((c, i) => parts.push(fn(`col${i}`, 'r', `return ${emit(c, ctx)};`, ctx)));
  parts.push(fn('keep', 'r', `return ${code.where ? `${emit(code.where, ctx)} === true` : 'true'};`, ctx));
  parts.push(`function batch(rows, out) {
  let n = 0, i = 0;
  const len = rows.length;
  try {
    for (; i < len; i++) { const o = row(rows[i]); if (o !== null) out[n++] = o; }
  } catch (e) { onError(e, i, rows); }
  return n;
}`);
  const prologue = [
    ...[...ctx.usedHelpers].map((h) => `const $${h} = h.${h};`),
    ...ctx.constants.map((_, i) => `const k${i} = c[${i}];`),
  ];
  const cols_ = code.columns.map((_, i) => `col${i}`).join(', ');
  const source = `'use strict';\n${prologue.join('\n')}\n${parts.join('\n')}\nreturn { row, batch, cols: [${cols_}], keep };`;
  const factory = new Function('h', 'c', 'onError', source) as (
    h: typeof helpers, c: unknown[], onError: BatchErrorHandler,
  ) => Omit<Program, 'source'>;
  return { ...factory(helpers, ctx.constants, onError), source };
}

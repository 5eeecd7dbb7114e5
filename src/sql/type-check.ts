/**
 * AST → typed IR. Resolves columns and functions, checks types, and inserts conversions.
 * Every rejection is a SqlError naming the thing and its line:column.
 *
 * A Checker works on one scope: the query (columns of `source`, read as `r[i]`) or one
 * FunctionDef body (its parameters, read as `p0, p1, ...`).
 */
import type { RowValue } from '../api/types.ts';
import { builtins, extractUnit, type Call } from './catalog/index.ts';
import { castAllowed, convert } from './coerce.ts';
import { SqlError, type SqlPosition } from './errors.ts';
import { EvaluationError } from './errors.ts';
import { TIME_UNITS, type TimeUnit } from './functions/datetime.ts';
import { lit, op, type Expr } from './ir.ts';
import type { AstNode, Positions } from './locate.ts';
import {
  and, arithmetic, caseWhen, compare, isTest, negate, not, or,
  type ArithOp, type CompareOp,
} from './operators.ts';
import { fnName, sqlText, typeText } from './sql-text.ts';
import { MAX_DECIMAL_PRECISION, decimal, parseTypeName, t, typeName, implicitlyConvertible, type SqlType } from './sql-types.ts';
import { parseDateTime, formatDate, formatTimestamp } from './functions/datetime.ts';
import { likeRegex } from './functions/strings.ts';

export interface ScopeField {
  name: string;
  type: SqlType;
  /** JS that reads the value: `r[3]` or `p0`. */
  code: string;
}

/** A FunctionDef as callers see it. */
export interface FunctionSignature {
  name: string;
  params: Array<{ name: string; type: SqlType }>;
  returns: SqlType;
  /** JS name of the compiled function. */
  jsName: string;
}

export interface Scope {
  fields: ScopeField[];
  /** `query` or `function 'name'`, for messages. */
  where: string;
  positions: Positions;
  /** Qualifiers accepted before a column (`source`, a table alias); none inside functions. */
  qualifiers: string[];
  /** Functions this scope may call, by lower-case name. */
  functions: ReadonlyMap<string, FunctionSignature>;
  /** Names that exist but may not be called from here, with the reason. */
  forbidden: ReadonlyMap<string, string>;
  /** `columns` or `params`, for the unknown-column hint. */
  fieldsLabel: string;
}

const COMPARE_OPS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);
const ARITH_OPS = new Set(['+', '-', '*', '/', '%']);

export class Checker {
  private readonly scope: Scope;

  constructor(scope: Scope) {
    this.scope = scope;
  }

  /** Is `table` a name this scope's columns may be qualified with? */
  qualifies(table: string): boolean {
    return this.scope.qualifiers.some((q) => q.toLowerCase() === table.toLowerCase());
  }

  pos(node: unknown): SqlPosition | undefined {
    return node && typeof node === 'object' ? this.scope.positions.get(node) : undefined;
  }

  error(message: string, node: unknown, hint?: string): SqlError {
    return new SqlError(message, this.pos(node), this.scope.where, hint);
  }

  private failAt(node: unknown): (message: string) => never {
    return (message) => { throw this.error(message, node); };
  }

  check(node: AstNode): Expr {
    try {
      return this.checkNode(node);
    } catch (err) {
      // A literal converted at compile time (`ts > 'yesterday'`) fails here, not per row.
      if (err instanceof EvaluationError) throw this.error(err.message, node);
      throw err;
    }
  }

  private checkNode(node: AstNode): Expr {
    switch (node.type) {
      case 'column_ref': return this.column(node);
      case 'number': case 'bigint': return this.number(node);
      case 'single_quote_string': return lit(String(node.value).replace(/''/g, "'"), t('STRING', false));
      case 'double_quote_string':
        throw this.error(`"${String(node.value)}" in double quotes is not valid here`, node, "write strings in 'single quotes' and quote identifiers with `backticks`");
      case 'bool': return lit(Boolean(node.value), t('BOOLEAN', false));
      case 'null': return lit(null, t('NULL'));
      case 'date': case 'timestamp': return this.temporalLiteral(node);
      case 'unary_expr': return this.unary(node);
      case 'binary_expr': return this.binary(node);
      case 'case': return this.caseExpr(node);
      case 'cast': return this.cast(node);
      case 'function': return this.call(node);
      case 'extract': return this.extract(node);
      case 'aggr_func': throw this.error(`aggregate function ${String(node.name)} is not supported: a transform maps each row on its own`, node);
      default:
        if (node.ast || node.type === 'select') throw this.error('subqueries are not supported', node);
        throw this.error(`${sqlText(node)} is not supported`, node);
    }
  }

  private column(node: AstNode): Expr {
    const raw = node.column as unknown;
    const name = typeof raw === 'string' ? raw : String((raw as { expr?: { value?: unknown } })?.expr?.value ?? raw);
    const table = node.table as string | null;
    if (table && !this.qualifies(table)) {
      throw this.error(`unknown table '${table}'`, node, this.scope.qualifiers.length ? `a transform reads the table '${this.scope.qualifiers[0]}'` : 'function parameters have no table');
    }
    const field = this.scope.fields.find((f) => f.name === name);
    if (field) return { k: 'ref', code: field.code, type: field.type };
    const names = this.scope.fields.map((f) => f.name);
    const near = names.find((n) => n.toLowerCase() === name.toLowerCase());
    const hint = `${this.scope.fieldsLabel}: ${names.join(', ') || 'none'}${near ? `; did you mean '${near}'?` : ''}`;
    throw this.error(`unknown column '${name}'`, node, hint);
  }

  private number(node: AstNode): Expr {
    const text = String(node.value);
    if (/[eE]/.test(text)) return lit(Number(text), t('DOUBLE', false));
    if (text.includes('.')) {
      // Flink: 1.50 is DECIMAL(3, 2).
      const [intPart, frac] = text.replace('-', '').split('.');
      const digits = (intPart.replace(/^0+/, '') + frac).length;
      const precision = Math.max(digits, frac.length, 1);
      if (precision > MAX_DECIMAL_PRECISION) return lit(Number(text), t('DOUBLE', false));
      return lit(text.startsWith('.') ? `0${text}` : text.replace(/^-\./, '-0.'), decimal(precision, frac.length, false));
    }
    const big = BigInt(text);
    if (big >= -2147483648n && big <= 2147483647n) return lit(Number(big), t('INT', false));
    if (big >= -(2n ** 63n) && big < 2n ** 63n) return lit(big, t('BIGINT', false));
    if (text.replace('-', '').length <= MAX_DECIMAL_PRECISION) return lit(text, decimal(text.replace('-', '').length, 0, false));
    throw this.error(`number ${text} is too large`, node);
  }

  private temporalLiteral(node: AstNode): Expr {
    const text = String(node.value);
    const parts = parseDateTime(text);
    if (node.type === 'date') {
      if (!parts || !/^\s*\d{4}-\d{1,2}-\d{1,2}\s*$/.test(text)) throw this.error(`invalid DATE literal '${text}'`, node, 'expected YYYY-MM-DD');
      return lit(formatDate(parts), t('DATE', false));
    }
    if (!parts) throw this.error(`invalid TIMESTAMP literal '${text}'`, node, 'expected YYYY-MM-DD HH:MM:SS[.fff]');
    return lit(formatTimestamp(parts, 9), t('TIMESTAMP', false, Math.max(parts.frac.length, 0)));
  }

  private unary(node: AstNode): Expr {
    const arg = this.check(node.expr as AstNode);
    const fail = this.failAt(node);
    switch (node.operator) {
      case '-': return negate(arg, fail);
      case '+': return arg;
      case 'NOT': return not(arg, fail);
      default: throw this.error(`operator ${String(node.operator)} is not supported`, node);
    }
  }

  private binary(node: AstNode): Expr {
    const o = String(node.operator).toUpperCase();
    const text = sqlText(node);
    const fail = this.failAt(node);
    const left = node.left as AstNode;
    const right = node.right as AstNode;
    if (o === 'IS' || o === 'IS NOT') {
      const what = right.type === 'null' ? null : right.type === 'bool' ? Boolean(right.value) : undefined;
      if (what === undefined) throw this.error(`${o} ${sqlText(right)} is not supported`, node, 'use IS [NOT] NULL, TRUE or FALSE');
      return isTest(this.check(left), what, o === 'IS NOT');
    }
    if (o === 'IN' || o === 'NOT IN') return this.inList(node, o === 'NOT IN');
    if (o === 'BETWEEN' || o === 'NOT BETWEEN') {
      const [lo, hi] = (right.value as AstNode[]).map((n) => this.check(n));
      const x = this.check(left);
      const inside = and(compare('>=', x, lo, text, fail), compare('<=', x, hi, text, fail), fail);
      return o === 'BETWEEN' ? inside : not(inside, fail);
    }
    if (o === 'LIKE' || o === 'NOT LIKE') return this.like(node, o === 'NOT LIKE');
    const a = this.check(left);
    const b = this.check(right);
    if (o === 'AND') return and(a, b, fail);
    if (o === 'OR') return or(a, b, fail);
    if (COMPARE_OPS.has(o)) return compare((o === '!=' ? '<>' : o) as CompareOp, a, b, text, fail);
    if (ARITH_OPS.has(o)) return arithmetic(o as ArithOp, a, b, text, fail);
    if (o === '||') {
      for (const [e, n] of [[a, left], [b, right]] as const) {
        if (e.type.kind !== 'STRING' && e.type.kind !== 'NULL') {
          throw this.error(`type mismatch: operator '||' needs STRING operands, got ${typeName(e.type)} for ${sqlText(n)}`, n, 'use CAST(x AS STRING)');
        }
      }
      return op([a, b], t('STRING', a.type.nullable || b.type.nullable), ([p, q]) => `(${p} + ${q})`);
    }
    throw this.error(`operator ${o} is not supported`, node);
  }

  private inList(node: AstNode, negated: boolean): Expr {
    const fail = this.failAt(node);
    const text = sqlText(node);
    const x = this.check(node.left as AstNode);
    const list = node.right as AstNode;
    const items = Array.isArray(list.value) ? (list.value as AstNode[]) : [];
    if (items.some((n) => n.ast || n.type === 'select')) throw this.error('subqueries are not supported', node);
    const values = items.map((n) => this.check(n));
    // Fast path: a list of plain non-null literals of x's representation becomes a Set lookup.
    const simpleKind = x.type.kind !== 'DECIMAL' && x.type.kind !== 'TIMESTAMP' && x.type.kind !== 'NULL';
    const converted = simpleKind ? values.map((v) => (v.k === 'lit' && v.value !== null && implicitlyConvertible(v.type, x.type) ? this.literalAs(v, x.type, text) : undefined)) : [];
    let result: Expr;
    if (simpleKind && converted.length > 0 && converted.every((v) => v !== undefined)) {
      const set = new Set(converted.map((v) => v.value));
      result = op([x], t('BOOLEAN', x.type.nullable), ([p], ctx) => `${ctx.constant(set)}.has(${p})`);
    } else {
      result = values.map((v) => compare('=', x, v, text, fail)).reduce((acc, e) => or(acc, e, fail));
    }
    return negated ? not(result, fail) : result;
  }

  private literalAs(v: Expr, type: SqlType, text: string): { value: RowValue } | undefined {
    try {
      const c = convert(v, type, text);
      return c.k === 'lit' ? { value: c.value } : undefined;
    } catch {
      return undefined;
    }
  }

  private like(node: AstNode, negated: boolean): Expr {
    const fail = this.failAt(node);
    const s = this.check(node.left as AstNode);
    const p = this.check(node.right as AstNode);
    for (const e of [s, p]) {
      if (e.type.kind !== 'STRING' && e.type.kind !== 'NULL') fail(`type mismatch: LIKE needs STRING operands, got ${typeName(e.type)}`);
    }
    const test = p.k === 'lit' && typeof p.value === 'string'
      ? op([s], t('BOOLEAN', s.type.nullable), ([x], ctx) => `${ctx.constant(likeRegex(p.value as string))}.test(${x})`)
      : op([s, p], t('BOOLEAN', s.type.nullable || p.type.nullable), ([x, y], ctx) => `${ctx.helper('like')}(${x}, ${y})`);
    return negated ? not(test, fail) : test;
  }

  private caseExpr(node: AstNode): Expr {
    const fail = this.failAt(node);
    const subject = node.expr ? this.check(node.expr as AstNode) : undefined;
    const arms: Array<[Expr, Expr]> = [];
    const texts: string[] = [];
    let otherwise: Expr | undefined;
    for (const arm of node.args as AstNode[]) {
      if (arm.type === 'when') {
        const cond = this.check(arm.cond as AstNode);
        // Simple CASE x WHEN v: compare x = v.
        arms.push([subject ? compare('=', subject, cond, sqlText(node), fail) : cond, this.check(arm.result as AstNode)]);
      } else otherwise = this.check(arm.result as AstNode);
      texts.push(sqlText(arm.result));
    }
    return caseWhen(arms, otherwise, texts, fail);
  }

  /** A type written in CAST(x AS <type>). */
  private targetType(node: AstNode): SqlType {
    const text = typeText(node.target);
    const type = parseTypeName(text);
    if (!type) throw this.error(`unsupported type ${text} in CAST`, node, 'types: TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s), BOOLEAN, STRING, VARCHAR(n), CHAR(n), DATE, TIMESTAMP(p)');
    return type;
  }

  private cast(node: AstNode): Expr {
    const to = this.targetType(node);
    const arg = this.check(node.expr as AstNode);
    const orNull = String(node.keyword).toLowerCase() === 'try_cast';
    if (!castAllowed(arg.type, to)) throw this.error(`cannot CAST ${typeName(arg.type)} to ${typeName(to)}`, node);
    try {
      return convert(arg, to, sqlText(node), orNull);
    } catch (err) {
      // A literal that cannot convert fails now rather than on every row.
      throw this.error(err instanceof EvaluationError ? err.message : (err as Error).message, node);
    }
  }

  private extract(node: AstNode): Expr {
    const args = node.args as { field: string; source: AstNode };
    const field = String(args.field).toUpperCase();
    const unit = (field === 'DAYOFMONTH' ? 'DAY' : field) as TimeUnit;
    if (!TIME_UNITS.includes(unit)) throw this.error(`EXTRACT(${field} ...) is not supported`, node, `units: ${TIME_UNITS.join(', ')}`);
    const arg = this.check(args.source);
    return extractUnit(unit, arg, this.callInfo(node, 'EXTRACT', [arg], [args.source]));
  }

  private callInfo(node: AstNode, name: string, args: Expr[], argNodes: AstNode[], keywords: string[] = []): Call {
    const where = this.scope.where;
    const pos = this.pos(node);
    return {
      name, args, argNodes, keywords,
      argTexts: argNodes.map(sqlText),
      text: sqlText(node),
      fail(message: string, hint?: string): never { throw new SqlError(message, pos, where, hint); },
      arity(min: number, max = min) {
        if (args.length < min || args.length > max) {
          const want = min === max ? `${min}` : max >= 255 ? `at least ${min}` : `${min} to ${max}`;
          throw new SqlError(`wrong number of arguments for ${name}: expected ${want}, got ${args.length}`, pos, where);
        }
      },
    };
  }

  private call(node: AstNode): Expr {
    const name = fnName(node);
    const all = ((node.args as AstNode | undefined)?.value as AstNode[] | undefined) ?? [];
    const argNodes = all.filter((n) => n.type !== 'origin');
    const keywords = all.filter((n) => n.type === 'origin').map((n) => String(n.value).toUpperCase());
    const forbidden = this.scope.forbidden.get(name.toLowerCase());
    if (forbidden) throw this.error(forbidden, node);
    const udf = this.scope.functions.get(name.toLowerCase());
    if (udf) return this.callFunction(node, udf, argNodes);
    const builtin = builtins[name.toUpperCase()];
    if (!builtin) {
      const defined = [...this.scope.functions.keys()];
      throw this.error(`unknown function '${name}'`, node, defined.length ? `functions defined in transform.functions: ${defined.join(', ')}` : 'see src/sql/README.md for the built-in functions');
    }
    const args = argNodes.map((n) => this.check(n));
    return builtin(this.callInfo(node, name.toUpperCase(), args, argNodes, keywords));
  }

  private callFunction(node: AstNode, fn: FunctionSignature, argNodes: AstNode[]): Expr {
    if (argNodes.length !== fn.params.length) {
      throw this.error(`wrong number of arguments for ${fn.name}: expected ${fn.params.length}, got ${argNodes.length}`, node, `${fn.name}(${fn.params.map((p) => `${p.name} ${typeName(p.type)}`).join(', ')})`);
    }
    const args = argNodes.map((n, i) => {
      const arg = this.check(n);
      const param = fn.params[i];
      if (!implicitlyConvertible(arg.type, param.type)) {
        throw this.error(`type mismatch: argument '${param.name}' of ${fn.name} is ${typeName(param.type)}, got ${typeName(arg.type)}`, n, 'use CAST');
      }
      return convert(arg, param.type, sqlText(n));
    });
    // Not strict: the function's own expression decides what NULL arguments give.
    return op(args, fn.returns, (xs) => `${fn.jsName}(${xs.join(', ')})`, false);
  }
}

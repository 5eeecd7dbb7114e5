/**
 * Builders for SQL operators over typed expressions: arithmetic with Flink's result types,
 * comparisons, three-valued AND/OR/NOT, CASE. Each returns an IR operation whose JS is as
 * direct as the types allow (`(a + b) | 0` for INT, a bigint op for BIGINT, exact helpers for
 * DECIMAL). Type errors are reported through `fail`, which the checker binds to a position.
 */
import { convert } from './coerce.ts';
import { anyNullable, lit, op, type Expr } from './ir.ts';
import {
  boundedDecimal, commonType, decimal, isApprox, isNumeric, asDecimal, t, typeName, withNullable,
  type SqlType,
} from './sql-types.ts';

export type Fail = (message: string) => never;

export type ArithOp = '+' | '-' | '*' | '/' | '%';

/** Result type of an arithmetic operator (Flink's rules; DECIMAL precision per Hive/Flink). */
function arithType(o: ArithOp, a: SqlType, b: SqlType): SqlType {
  if (isApprox(a) || isApprox(b)) return t('DOUBLE');
  if (a.kind === 'DECIMAL' || b.kind === 'DECIMAL') {
    const x = asDecimal(a);
    const y = asDecimal(b);
    const p1 = x.precision ?? 10, s1 = x.scale ?? 0, p2 = y.precision ?? 10, s2 = y.scale ?? 0;
    switch (o) {
      case '+': case '-': {
        const s = Math.max(s1, s2);
        return boundedDecimal(Math.max(p1 - s1, p2 - s2) + s + 1, s);
      }
      case '*': return boundedDecimal(p1 + p2, s1 + s2);
      case '/': {
        const s = Math.max(6, s1 + p2 + 1);
        return boundedDecimal(p1 - s1 + s2 + s, s);
      }
      case '%': {
        const s = Math.max(s1, s2);
        return decimal(Math.min(p1 - s1, p2 - s2) + s, s);
      }
    }
  }
  if (a.kind === 'BIGINT' || b.kind === 'BIGINT') return t('BIGINT');
  return t('INT');
}

/** `a <op> b` for numbers; `text` names the expression in a division-by-zero error. */
export function arithmetic(o: ArithOp, a: Expr, b: Expr, text: string, fail: Fail): Expr {
  if (a.type.kind === 'NULL' && b.type.kind === 'NULL') return lit(null, t('INT'));
  const at = a.type.kind === 'NULL' ? b.type : a.type;
  const bt = b.type.kind === 'NULL' ? a.type : b.type;
  if (!isNumeric(at) || !isNumeric(bt)) {
    fail(`type mismatch: operator '${o}' needs numeric operands, got ${typeName(a.type)} and ${typeName(b.type)}`);
  }
  const rt = arithType(o, at, bt);
  const nullable = anyNullable([a, b]);
  const x = convert(a, withNullable(rt.kind === 'DECIMAL' ? asDecimal(at) : rt, a.type.nullable), text);
  const y = convert(b, withNullable(rt.kind === 'DECIMAL' ? asDecimal(bt) : rt, b.type.nullable), text);
  const quoted = JSON.stringify(text);
  switch (rt.kind) {
    case 'DOUBLE':
      if (o === '%') return op([x, y], withNullable(rt, nullable), ([p, q], c) => `${c.helper('doubleMod')}(${p}, ${q})`);
      return op([x, y], withNullable(rt, nullable), ([p, q]) => `(${p} ${o} ${q})`);
    case 'BIGINT':
      if (o === '/') return op([x, y], withNullable(rt, nullable), ([p, q], c) => `${c.helper('bigDiv')}(${p}, ${q}, ${quoted})`);
      if (o === '%') return op([x, y], withNullable(rt, nullable), ([p, q], c) => `${c.helper('bigMod')}(${p}, ${q}, ${quoted})`);
      return op([x, y], withNullable(rt, nullable), ([p, q]) => `BigInt.asIntN(64, ${p} ${o} ${q})`);
    case 'INT':
      // Java int semantics: results wrap at 32 bits (Flink does the same on overflow).
      if (o === '*') return op([x, y], withNullable(rt, nullable), ([p, q]) => `Math.imul(${p}, ${q})`);
      if (o === '/') return op([x, y], withNullable(rt, nullable), ([p, q], c) => `${c.helper('intDiv')}(${p}, ${q}, ${quoted})`);
      if (o === '%') return op([x, y], withNullable(rt, nullable), ([p, q], c) => `${c.helper('intMod')}(${p}, ${q}, ${quoted})`);
      return op([x, y], withNullable(rt, nullable), ([p, q]) => `((${p} ${o} ${q}) | 0)`);
    default: {
      // DECIMAL: exact; NULL when the result has more digits than its precision (Flink).
      const s = rt.scale ?? 0, p = rt.precision ?? 10;
      const type = withNullable(rt, true);
      switch (o) {
        case '+': return op([x, y], type, ([m, n], c) => `${c.helper('decAdd')}(${m}, ${n}, ${s}, ${p})`);
        case '-': return op([x, y], type, ([m, n], c) => `${c.helper('decSub')}(${m}, ${n}, ${s}, ${p})`);
        case '*': return op([x, y], type, ([m, n], c) => `${c.helper('decMul')}(${m}, ${n}, ${s}, ${p})`);
        case '/': return op([x, y], type, ([m, n], c) => `${c.helper('decDiv')}(${m}, ${n}, ${s}, ${p}, ${quoted})`);
        default: return op([x, y], withNullable(rt, nullable), ([m, n], c) => `${c.helper('decMod')}(${m}, ${n}, ${s}, ${quoted})`);
      }
    }
  }
}

export function negate(a: Expr, fail: Fail): Expr {
  const ty = a.type;
  switch (ty.kind) {
    case 'NULL': return a;
    case 'TINYINT': case 'SMALLINT': case 'INT': return op([a], t('INT', ty.nullable), ([x]) => `(-${x} | 0)`);
    case 'BIGINT': return op([a], ty, ([x]) => `BigInt.asIntN(64, -${x})`);
    case 'FLOAT': case 'DOUBLE': return op([a], ty, ([x]) => `(-${x})`);
    case 'DECIMAL': return op([a], ty, ([x], c) => `${c.helper('decNeg')}(${x})`);
    default: return fail(`type mismatch: unary '-' needs a numeric operand, got ${typeName(ty)}`);
  }
}

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
const JS_COMPARE: Record<CompareOp, string> = { '=': '===', '<>': '!==', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

export function compare(o: CompareOp, a: Expr, b: Expr, text: string, fail: Fail): Expr {
  const common = commonType(a.type, b.type);
  if (!common) fail(`type mismatch: cannot compare ${typeName(a.type)} with ${typeName(b.type)} using '${o}'`);
  const type = t('BOOLEAN', anyNullable([a, b]));
  if (common.kind === 'NULL') return lit(null, t('BOOLEAN'));
  // Compare in the common type, but a DECIMAL side keeps its own scale (decCmp reads any text).
  const target = common.kind === 'DECIMAL' ? undefined : common;
  const x = target ? convert(a, withNullable(target, a.type.nullable), text) : convert(a, withNullable(asDecimal(a.type), a.type.nullable), text);
  const y = target ? convert(b, withNullable(target, b.type.nullable), text) : convert(b, withNullable(asDecimal(b.type), b.type.nullable), text);
  const js = JS_COMPARE[o];
  if (common.kind === 'DECIMAL') return op([x, y], type, ([p, q], c) => `(${c.helper('decCmp')}(${p}, ${q}) ${js} 0)`);
  if (common.kind === 'TIMESTAMP') return op([x, y], type, ([p, q], c) => `(${c.helper('timestampCompare')}(${p}, ${q}) ${js} 0)`);
  return op([x, y], type, ([p, q]) => `(${p} ${js} ${q})`);
}

function requireBoolean(e: Expr, what: string, fail: Fail): Expr {
  if (e.type.kind !== 'BOOLEAN' && e.type.kind !== 'NULL') fail(`type mismatch: ${what} needs a BOOLEAN, got ${typeName(e.type)}`);
  return e;
}

/** Three-valued AND: FALSE wins over NULL. */
export function and(a: Expr, b: Expr, fail: Fail): Expr {
  requireBoolean(a, 'AND', fail);
  requireBoolean(b, 'AND', fail);
  if (!a.type.nullable && !b.type.nullable) return op([a, b], t('BOOLEAN', false), ([p, q]) => `(${p} && ${q})`);
  return op([a, b], t('BOOLEAN'), ([p, q], c) => {
    const x = c.tmp(), y = c.tmp();
    return `((${x} = ${p}) === false ? false : (${y} = ${q}) === false ? false : ${x} === null || ${y} === null ? null : true)`;
  }, false);
}

/** Three-valued OR: TRUE wins over NULL. */
export function or(a: Expr, b: Expr, fail: Fail): Expr {
  requireBoolean(a, 'OR', fail);
  requireBoolean(b, 'OR', fail);
  if (!a.type.nullable && !b.type.nullable) return op([a, b], t('BOOLEAN', false), ([p, q]) => `(${p} || ${q})`);
  return op([a, b], t('BOOLEAN'), ([p, q], c) => {
    const x = c.tmp(), y = c.tmp();
    return `((${x} = ${p}) === true ? true : (${y} = ${q}) === true ? true : ${x} === null || ${y} === null ? null : false)`;
  }, false);
}

export function not(a: Expr, fail: Fail): Expr {
  requireBoolean(a, 'NOT', fail);
  return op([a], t('BOOLEAN', a.type.nullable), ([x]) => `!${x}`);
}

/** `x IS [NOT] NULL|TRUE|FALSE`: never NULL itself. */
export function isTest(a: Expr, what: null | boolean, negated: boolean): Expr {
  const js = negated ? '!==' : '===';
  return op([a], t('BOOLEAN', false), ([x]) => `(${x} ${js} ${what === null ? 'null' : String(what)})`, false);
}

/**
 * Searched CASE. Branch results are converted to their common type; a missing ELSE is NULL.
 * Only a TRUE condition selects its branch (NULL does not).
 */
export function caseWhen(arms: Array<[Expr, Expr]>, otherwise: Expr | undefined, texts: string[], fail: Fail): Expr {
  let rt: SqlType | undefined = otherwise?.type ?? t('NULL');
  for (const [cond, result] of arms) {
    requireBoolean(cond, 'a WHEN condition', fail);
    const next: SqlType | undefined = commonType(rt, result.type);
    if (!next) return fail(`type mismatch: CASE branches of types ${typeName(rt)} and ${typeName(result.type)} do not mix`);
    rt = next;
  }
  const results = arms.map(([, r], i) => convert(r, withNullable(rt, r.type.nullable), texts[i]));
  const other = otherwise ? convert(otherwise, withNullable(rt, otherwise.type.nullable), texts[texts.length - 1]) : lit(null, withNullable(rt, true));
  const nullable = other.type.nullable || results.some((r) => r.type.nullable);
  const args = [...arms.flatMap(([cond], i) => [cond, results[i]]), other];
  return op(args, withNullable(rt, nullable), (codes) => {
    let js = codes[codes.length - 1];
    for (let i = codes.length - 3; i >= 0; i -= 2) js = `(${codes[i]} === true ? ${codes[i + 1]} : ${js})`;
    return js;
  }, false);
}

/** COALESCE(a, b, ...): the first non-NULL argument. */
export function coalesce(args: Expr[], texts: string[], fail: Fail): Expr {
  let rt: SqlType | undefined = t('NULL');
  for (const a of args) {
    const next: SqlType | undefined = commonType(rt, a.type);
    if (!next) return fail(`type mismatch: COALESCE arguments of types ${typeName(rt)} and ${typeName(a.type)} do not mix`);
    rt = next;
  }
  const converted = args.map((a, i) => convert(a, withNullable(rt, a.type.nullable), texts[i]));
  const firstNonNull = converted.findIndex((a) => !a.type.nullable);
  const used = firstNonNull < 0 ? converted : converted.slice(0, firstNonNull + 1);
  const nullable = firstNonNull < 0;
  return op(used, withNullable(rt, nullable), (codes, c) => {
    let js = codes[codes.length - 1];
    for (let i = codes.length - 2; i >= 0; i--) {
      const v = c.tmp();
      js = `((${v} = ${codes[i]}) !== null ? ${v} : ${js})`;
    }
    return js;
  }, false);
}

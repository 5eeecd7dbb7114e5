/**
 * String built-ins: UPPER, LOWER, TRIM/LTRIM/RTRIM, CHAR_LENGTH, SUBSTRING/SUBSTR, CONCAT,
 * CONCAT_WS, REPLACE, REGEXP_REPLACE, SPLIT_INDEX, POSITION, LPAD/RPAD, HASH_CODE.
 * Semantics in functions/strings.ts and functions/hash.ts.
 */
import { op, lit, type Expr } from '../ir.ts';
import { isApprox, isIntegral, t, typeName, type SqlType } from '../sql-types.ts';
import { literalString, type Builtin, type Call } from './call.ts';

function isText(type: SqlType): boolean {
  return type.kind === 'STRING' || type.kind === 'NULL';
}

function textArg(c: Call, i: number): Expr {
  const a = c.args[i];
  if (!isText(a.type)) c.fail(`type mismatch: argument ${i + 1} of ${c.name} must be a STRING, got ${typeName(a.type)}`);
  return a;
}

function intArg(c: Call, i: number): Expr {
  const a = c.args[i];
  if (!(a.type.kind === 'INT' || a.type.kind === 'SMALLINT' || a.type.kind === 'TINYINT' || a.type.kind === 'NULL')) {
    c.fail(`type mismatch: argument ${i + 1} of ${c.name} must be an INT, got ${typeName(a.type)}`);
  }
  return a;
}

const nullableOf = (args: Expr[]) => args.some((a) => a.type.nullable);
const str = (args: Expr[], forceNullable = false) => t('STRING', forceNullable || nullableOf(args));

function method(name: string): Builtin {
  return (c) => {
    c.arity(1, 1);
    const a = textArg(c, 0);
    return op([a], str([a]), ([x]) => `${x}.${name}()`);
  };
}

function helperCall(helper: 'trim' | 'ltrim' | 'rtrim'): Builtin {
  return (c) => {
    // TRIM([BOTH|LEADING|TRAILING] [chars] FROM s) arrives with keywords; TRIM(s) without.
    const kinds = c.keywords.filter((k) => k === 'BOTH' || k === 'LEADING' || k === 'TRAILING');
    const which = kinds[0] === 'LEADING' ? 'ltrim' : kinds[0] === 'TRAILING' ? 'rtrim' : helper;
    c.arity(1, 2);
    const args = c.args.map((_, i) => textArg(c, i));
    // With FROM the characters come first: TRIM('x' FROM s); our helpers take (s, chars).
    const ordered = args.length === 2 ? [args[1], args[0]] : args;
    return op(ordered, str(ordered), (xs, ctx) => `${ctx.helper(which)}(${xs.join(', ')})`);
  };
}

const charLength: Builtin = (c) => {
  c.arity(1, 1);
  const a = textArg(c, 0);
  return op([a], t('INT', a.type.nullable), ([x], ctx) => `${ctx.helper('charLength')}(${x})`);
};

const substring: Builtin = (c) => {
  c.arity(2, 3);
  const args = [textArg(c, 0), intArg(c, 1), ...(c.args.length > 2 ? [intArg(c, 2)] : [])];
  return op(args, str(args), (xs, ctx) => `${ctx.helper('substring')}(${xs.join(', ')})`);
};

const concat: Builtin = (c) => {
  c.arity(1, 255);
  const args = c.args.map((_, i) => textArg(c, i));
  return op(args, str(args), (xs) => `(${xs.join(' + ')})`);
};

const concatWs: Builtin = (c) => {
  c.arity(2, 255);
  const args = c.args.map((_, i) => textArg(c, i));
  // Only the separator is strict: NULL parts are skipped, so the op handles NULL itself.
  return op(args, t('STRING', args[0].type.nullable), ([sep, ...parts], ctx) => {
    const v = ctx.tmp();
    return `((${v} = ${sep}) === null ? null : ${ctx.helper('concatWs')}(${v}, ${parts.join(', ')}))`;
  }, false);
};

const replace: Builtin = (c) => {
  c.arity(3, 3);
  const args = c.args.map((_, i) => textArg(c, i));
  return op(args, str(args), (xs, ctx) => `${ctx.helper('replace')}(${xs.join(', ')})`);
};

const regexpReplace: Builtin = (c) => {
  c.arity(3, 3);
  const args = c.args.map((_, i) => textArg(c, i));
  const pattern = literalString(args[1]);
  if (pattern !== undefined) {
    try { new RegExp(pattern, 'gu'); } catch (err) { c.fail(`invalid regular expression '${pattern}': ${(err as Error).message}`); }
  }
  return op(args, str(args, true), (xs, ctx) => `${ctx.helper('regexpReplace')}(${xs.join(', ')})`);
};

const splitIndex: Builtin = (c) => {
  c.arity(3, 3);
  const args = [textArg(c, 0), textArg(c, 1), intArg(c, 2)];
  return op(args, t('STRING'), (xs, ctx) => `${ctx.helper('splitIndex')}(${xs.join(', ')})`);
};

const position: Builtin = (c) => {
  c.arity(2, 2);
  const args = [textArg(c, 0), textArg(c, 1)];
  return op(args, t('INT', nullableOf(args)), (xs, ctx) => `${ctx.helper('position')}(${xs.join(', ')})`);
};

function pad(helper: 'lpad' | 'rpad'): Builtin {
  return (c) => {
    c.arity(3, 3);
    const args = [textArg(c, 0), intArg(c, 1), textArg(c, 2)];
    return op(args, t('STRING'), (xs, ctx) => `${ctx.helper(helper)}(${xs.join(', ')})`);
  };
}

const hashCode: Builtin = (c) => {
  c.arity(1, 1);
  const a = c.args[0];
  if (a.type.kind === 'NULL') return lit(null, t('INT'));
  if (isIntegral(a.type) && a.type.kind !== 'BIGINT') return op([a], t('INT', a.type.nullable), ([x]) => x);
  const approx = isApprox(a.type);
  return op([a], t('INT', a.type.nullable), ([x], ctx) => `${ctx.helper('hashCode')}(${x}, ${approx})`);
};

export const stringBuiltins: Record<string, Builtin> = {
  UPPER: method('toUpperCase'), LOWER: method('toLowerCase'),
  TRIM: helperCall('trim'), LTRIM: helperCall('ltrim'), RTRIM: helperCall('rtrim'),
  CHAR_LENGTH: charLength, CHARACTER_LENGTH: charLength,
  SUBSTRING: substring, SUBSTR: substring,
  CONCAT: concat, CONCAT_WS: concatWs, REPLACE: replace, REGEXP_REPLACE: regexpReplace,
  SPLIT_INDEX: splitIndex, POSITION: position, LPAD: pad('lpad'), RPAD: pad('rpad'),
  HASH_CODE: hashCode,
};

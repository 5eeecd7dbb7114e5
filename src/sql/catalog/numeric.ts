/** Numeric built-ins: MOD, PMOD, ABS, FLOOR, CEIL, ROUND, POWER, SQRT (Flink semantics, see functions/numeric.ts). */
import { convert } from '../coerce.ts';
import { op, type Expr } from '../ir.ts';
import { arithmetic } from '../operators.ts';
import { isIntegral, isNumeric, t, typeName, withNullable } from '../sql-types.ts';
import { literalInt, type Builtin, type Call } from './call.ts';

function numericArg(c: Call, i: number): Expr {
  const a = c.args[i];
  if (!isNumeric(a.type) && a.type.kind !== 'NULL') c.fail(`type mismatch: argument ${i + 1} of ${c.name} must be numeric, got ${typeName(a.type)}`);
  return a;
}

const mod: Builtin = (c) => {
  c.arity(2, 2);
  numericArg(c, 0);
  numericArg(c, 1);
  return arithmetic('%', c.args[0], c.args[1], c.text, (m) => c.fail(m));
};

const pmod: Builtin = (c) => {
  c.arity(2, 2);
  // Same result type as MOD; only the sign rule differs.
  const base = arithmetic('%', numericArg(c, 0), numericArg(c, 1), c.text, (m) => c.fail(m));
  if (base.k !== 'op') return base;
  const [x, y] = base.args;
  const quoted = JSON.stringify(c.text);
  switch (base.type.kind) {
    case 'INT': return op([x, y], base.type, ([p, q], ctx) => `${ctx.helper('intPmod')}(${p}, ${q}, ${quoted})`);
    case 'BIGINT': return op([x, y], base.type, ([p, q], ctx) => `${ctx.helper('bigPmod')}(${p}, ${q}, ${quoted})`);
    case 'DOUBLE': return op([x, y], base.type, ([p, q], ctx) => `${ctx.helper('doublePmod')}(${p}, ${q})`);
    default: return c.fail(`PMOD supports INT, BIGINT and DOUBLE arguments, got ${typeName(c.args[0].type)} and ${typeName(c.args[1].type)}`);
  }
};

const abs: Builtin = (c) => {
  c.arity(1, 1);
  const a = numericArg(c, 0);
  switch (a.type.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT': return op([a], t('INT', a.type.nullable), ([x]) => `(Math.abs(${x}) | 0)`);
    case 'BIGINT': return op([a], a.type, ([x], ctx) => `${ctx.helper('bigAbs')}(${x})`);
    case 'DECIMAL': return op([a], a.type, ([x], ctx) => `${ctx.helper('decAbs')}(${x})`);
    default: return op([a], a.type, ([x]) => `Math.abs(${x})`);
  }
};

function floorCeil(up: boolean): Builtin {
  return (c) => {
    c.arity(1, 1);
    const a = numericArg(c, 0);
    if (isIntegral(a.type) || a.type.kind === 'NULL') return a;
    if (a.type.kind === 'DECIMAL') {
      const type = { ...a.type, precision: Math.max(1, (a.type.precision ?? 10) - (a.type.scale ?? 0) + 1), scale: 0 };
      return op([a], type, ([x], ctx) => `${ctx.helper(up ? 'decCeil' : 'decFloor')}(${x})`);
    }
    return op([a], t('DOUBLE', a.type.nullable), ([x]) => `Math.${up ? 'ceil' : 'floor'}(${x})`);
  };
}

const round: Builtin = (c) => {
  c.arity(1, 2);
  const a = numericArg(c, 0);
  const digits = c.args.length > 1 ? literalInt(c.args[1]) : 0;
  if (digits === undefined) return c.fail('the second argument of ROUND must be an integer literal');
  switch (a.type.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT':
      return op([a], t('INT', a.type.nullable), ([x], ctx) => `${ctx.helper('intRound')}(${x}, ${digits})`);
    case 'BIGINT': return op([a], a.type, ([x], ctx) => `${ctx.helper('bigRound')}(${x}, ${digits})`);
    case 'DECIMAL': {
      const s = a.type.scale ?? 0;
      const scale = Math.max(0, Math.min(s, digits));
      const type = { ...a.type, precision: Math.min(38, (a.type.precision ?? 10) - s + scale + 1), scale };
      return op([a], type, ([x], ctx) => `${ctx.helper('decRound')}(${x}, ${digits}, ${scale})`);
    }
    case 'NULL': return a;
    default: return op([a], t('DOUBLE', a.type.nullable), ([x], ctx) => `${ctx.helper('doubleRound')}(${x}, ${digits})`);
  }
};

function toDouble(c: Call, i: number): Expr {
  const a = numericArg(c, i);
  return convert(a, t('DOUBLE', a.type.nullable), c.argTexts[i]);
}

const power: Builtin = (c) => {
  c.arity(2, 2);
  const [x, y] = [toDouble(c, 0), toDouble(c, 1)];
  return op([x, y], t('DOUBLE', x.type.nullable || y.type.nullable), ([p, q]) => `Math.pow(${p}, ${q})`);
};

const sqrt: Builtin = (c) => {
  c.arity(1, 1);
  const x = toDouble(c, 0);
  return op([x], withNullable(t('DOUBLE'), x.type.nullable), ([p]) => `Math.sqrt(${p})`);
};

export const numericBuiltins: Record<string, Builtin> = {
  MOD: mod, PMOD: pmod, ABS: abs, FLOOR: floorCeil(false), CEIL: floorCeil(true), CEILING: floorCeil(true),
  ROUND: round, POWER: power, POW: power, SQRT: sqrt,
};

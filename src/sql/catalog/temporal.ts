/**
 * Date/time built-ins: DATE_FORMAT, TO_DATE, TO_TIMESTAMP, EXTRACT and its shorthands
 * YEAR/QUARTER/MONTH/DAYOFMONTH/HOUR/MINUTE/SECOND (BIGINT, as in Flink).
 */
import { convert } from '../coerce.ts';
import { op, type Expr } from '../ir.ts';
import { isTemporal, t, typeName } from '../sql-types.ts';
import type { TimeUnit } from '../functions/datetime.ts';
import type { Builtin, Call } from './call.ts';

function textArg(c: Call, i: number): Expr {
  const a = c.args[i];
  if (a.type.kind !== 'STRING' && a.type.kind !== 'NULL') c.fail(`type mismatch: argument ${i + 1} of ${c.name} must be a STRING, got ${typeName(a.type)}`);
  return a;
}

/** A DATE/TIMESTAMP argument, or a string read as a TIMESTAMP (Flink accepts both). */
function timeArg(c: Call, i: number, allowText: boolean): Expr {
  const a = c.args[i];
  if (isTemporal(a.type) || a.type.kind === 'NULL') return a;
  if (allowText && a.type.kind === 'STRING') return convert(a, t('TIMESTAMP', a.type.nullable, 9), c.argTexts[i]);
  return c.fail(`type mismatch: argument ${i + 1} of ${c.name} must be a DATE or TIMESTAMP, got ${typeName(a.type)}`);
}

const dateFormat: Builtin = (c) => {
  c.arity(2, 2);
  const args = [timeArg(c, 0, true), textArg(c, 1)];
  return op(args, t('STRING'), (xs, ctx) => `${ctx.helper('dateFormat')}(${xs.join(', ')})`);
};

const toDate: Builtin = (c) => {
  c.arity(1, 2);
  const args = c.args.map((_, i) => textArg(c, i));
  return op(args, t('DATE'), (xs, ctx) => `${ctx.helper('toDate')}(${xs.join(', ')})`);
};

const toTimestamp: Builtin = (c) => {
  c.arity(1, 2);
  const args = c.args.map((_, i) => textArg(c, i));
  return op(args, t('TIMESTAMP', true, 3), (xs, ctx) => `${ctx.helper('toTimestamp')}(${xs.join(', ')})`);
};

export function extractUnit(unit: TimeUnit, arg: Expr, c: Call): Expr {
  if (!isTemporal(arg.type) && arg.type.kind !== 'NULL') c.fail(`type mismatch: EXTRACT(${unit} FROM ...) needs a DATE or TIMESTAMP, got ${typeName(arg.type)}`);
  if (arg.type.kind === 'DATE' && (unit === 'HOUR' || unit === 'MINUTE' || unit === 'SECOND')) c.fail(`cannot extract ${unit} from a DATE`);
  return op([arg], t('BIGINT', arg.type.nullable), ([x], ctx) => `${ctx.helper('extract')}(${JSON.stringify(unit)}, ${x})`);
}

function shorthand(unit: TimeUnit): Builtin {
  return (c) => {
    c.arity(1, 1);
    return extractUnit(unit, timeArg(c, 0, false), c);
  };
}

export const temporalBuiltins: Record<string, Builtin> = {
  DATE_FORMAT: dateFormat, TO_DATE: toDate, TO_TIMESTAMP: toTimestamp,
  YEAR: shorthand('YEAR'), QUARTER: shorthand('QUARTER'), MONTH: shorthand('MONTH'),
  DAYOFMONTH: shorthand('DAY'), DAYOFWEEK: shorthand('DOW'), DAYOFYEAR: shorthand('DOY'),
  HOUR: shorthand('HOUR'), MINUTE: shorthand('MINUTE'), SECOND: shorthand('SECOND'),
};

/** Conditional built-ins: IF, COALESCE, NULLIF (CASE itself is syntax, see type-check.ts). */
import { lit } from '../ir.ts';
import { caseWhen, coalesce, compare } from '../operators.ts';
import type { Builtin } from './call.ts';

const ifFn: Builtin = (c) => {
  c.arity(3, 3);
  const [cond, then, otherwise] = c.args;
  return caseWhen([[cond, then]], otherwise, [c.argTexts[1], c.argTexts[2]], (m) => c.fail(m));
};

const coalesceFn: Builtin = (c) => {
  c.arity(1, 255);
  return coalesce(c.args, c.argTexts, (m) => c.fail(m));
};

/** NULLIF(a, b) = CASE WHEN a = b THEN NULL ELSE a END. */
const nullif: Builtin = (c) => {
  c.arity(2, 2);
  const [a, b] = c.args;
  const eq = compare('=', a, b, c.text, (m) => c.fail(m));
  return caseWhen([[eq, lit(null, a.type)]], a, [c.argTexts[0], c.argTexts[0]], (m) => c.fail(m));
};

export const conditionalBuiltins: Record<string, Builtin> = { IF: ifFn, COALESCE: coalesceFn, NULLIF: nullif };

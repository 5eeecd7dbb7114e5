/**
 * Evaluates the CRD's CEL rules (`x-kubernetes-validations`) locally, with the same rule
 * text the apiserver compiles. Rules are parsed once and cached.
 *
 * The apiserver hands CEL integers as `int` and decimals as `double`; JSON numbers arrive here
 * as JavaScript numbers, so integral values are turned into bigint (cel-js's `int`) first.
 */
import { parse } from '@marcbachmann/cel-js';

type Program = (context: Record<string, unknown>) => unknown;

const programs = new Map<string, Program>();

function compile(rule: string): Program {
  let program = programs.get(rule);
  if (program === undefined) {
    program = parse(rule) as Program;
    programs.set(rule, program);
  }
  return program;
}

/** JSON value → the values CEL sees in the apiserver. */
export function toCelValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCelValue(v);
    return out;
  }
  return value;
}

/**
 * `true` when the rule holds for `self`. A rule that does not evaluate to a boolean, or fails
 * to evaluate, throws: that is a bug in the schema, which the tests catch.
 */
export function evaluateRule(rule: string, self: unknown): boolean {
  const result = compile(rule)({ self: toCelValue(self) });
  if (typeof result !== 'boolean') throw new TypeError(`CEL rule ${JSON.stringify(rule)} gave ${typeof result}, not a boolean`);
  return result;
}

/** The string a messageExpression gives for `self`. Throws if it does not give a string. */
export function evaluateMessage(expression: string, self: unknown): string {
  const result = compile(expression)({ self: toCelValue(self) });
  if (typeof result !== 'string') throw new TypeError(`CEL messageExpression ${JSON.stringify(expression)} gave ${typeof result}, not a string`);
  return result;
}

/** All built-in functions by upper-case name. */
import type { Builtin } from './call.ts';
import { conditionalBuiltins } from './conditional.ts';
import { numericBuiltins } from './numeric.ts';
import { stringBuiltins } from './string.ts';
import { temporalBuiltins } from './temporal.ts';

export const builtins: Readonly<Record<string, Builtin>> = {
  ...numericBuiltins,
  ...stringBuiltins,
  ...temporalBuiltins,
  ...conditionalBuiltins,
};

export type { Builtin, Call } from './call.ts';
export { extractUnit } from './temporal.ts';

/**
 * Runtime helpers, passed to the generated code as one object. The code generator copies
 * each helper it uses into a local constant, so a call is a direct call V8 can inline.
 */
import * as decimal from './decimal.ts';
import * as numeric from './numeric.ts';
import * as strings from './strings.ts';
import * as datetime from './datetime.ts';
import * as hash from './hash.ts';

export const helpers = {
  ...decimal,
  ...numeric,
  ...strings,
  ...datetime,
  ...hash,
};

export type HelperName = keyof typeof helpers;

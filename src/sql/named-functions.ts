/**
 * Named SQL-expression functions (`transform.functions`, the seed's `uid_to_pid`): each body
 * is checked over its parameters and becomes one JS function in the generated module, its
 * result CAST to `returns`. A function may call built-ins and functions defined before it;
 * calling itself or a later one is an error, which rules out recursion of any depth.
 */
import type { FunctionDef } from '../api/types.ts';
import { builtins } from './catalog/index.ts';
import { castAllowed, convert } from './coerce.ts';
import { SqlError } from './errors.ts';
import type { FunctionCode } from './codegen.ts';
import { parseExpression } from './parse.ts';
import { parseTypeName, typeName, withNullable } from './sql-types.ts';
import { Checker, type FunctionSignature } from './type-check.ts';

export interface CompiledFunctions {
  signatures: Map<string, FunctionSignature>;
  code: FunctionCode[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function compileFunctions(defs: readonly FunctionDef[]): CompiledFunctions {
  const signatures = new Map<string, FunctionSignature>();
  const code: FunctionCode[] = [];
  defs.forEach((def, index) => {
    const field = `transform.functions[${index}]`;
    if (typeof def.name !== 'string' || !IDENT.test(def.name)) throw new SqlError(`${field}.name '${String(def.name)}' is not a valid function name`);
    const key = def.name.toLowerCase();
    const where = `function '${def.name}'`;
    if (signatures.has(key)) throw new SqlError(`${field}: function '${def.name}' is defined twice`);
    if (builtins[def.name.toUpperCase()]) throw new SqlError(`${field}: function '${def.name}' has the name of a built-in function`);
    const params = (def.params ?? []).map((p, i) => {
      const type = parseTypeName(String(p.type));
      if (!type) throw new SqlError(`${field}.params[${i}].type '${String(p.type)}' is not a supported type`);
      if (!IDENT.test(String(p.name))) throw new SqlError(`${field}.params[${i}].name '${String(p.name)}' is not a valid name`);
      return { name: p.name, type };
    });
    const returns = parseTypeName(String(def.returns));
    if (!returns) throw new SqlError(`${field}.returns '${String(def.returns)}' is not a supported type`);
    if (typeof def.expression !== 'string' || def.expression.trim() === '') throw new SqlError(`${field}.expression is empty`);

    const forbidden = new Map<string, string>([[key, `function '${def.name}' calls itself: recursion is not supported`]]);
    defs.slice(index + 1).forEach((later) => {
      if (typeof later.name === 'string' && !forbidden.has(later.name.toLowerCase())) {
        forbidden.set(later.name.toLowerCase(), `function '${later.name}' is defined after '${def.name}': a function may only call functions defined before it`);
      }
    });
    const parsed = parseExpression(def.expression, where);
    const checker = new Checker({
      fields: params.map((p, i) => ({ name: p.name, type: p.type, code: `p${i}` })),
      where,
      positions: parsed.positions,
      qualifiers: [],
      functions: signatures,
      forbidden,
      fieldsLabel: 'params',
    });
    const body = checker.check(parsed.expr);
    if (!castAllowed(body.type, returns)) {
      throw new SqlError(`type mismatch: the expression is ${typeName(body.type)}, which cannot be CAST to the declared returns ${typeName(returns)}`, undefined, where);
    }
    const jsName = `u${index}`;
    code.push({ jsName, params: params.length, body: convert(body, returns, `${def.name}(...) result`) });
    signatures.set(key, { name: def.name, params, returns: withNullable(returns, true), jsName });
  });
  return { signatures, code };
}

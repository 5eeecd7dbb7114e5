/**
 * @module sql — the transform compiler: a SELECT over the table `source`, compiled once to
 * JS row functions. See README.md for the supported SQL and its semantics.
 */
export { compileQuery, type CompiledQuery } from './compile.ts';
export { SqlError, TransformError, EvaluationError, type SqlPosition } from './errors.ts';
export { parseTypeName, typeName, type SqlType } from './sql-types.ts';

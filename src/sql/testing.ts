/** Test helpers: evaluate one expression over one row. Used only by *.test.ts. */
import type { Field, FunctionDef, Row, RowValue } from '../api/types.ts';
import { compileQuery } from './compile.ts';

export const SCHEMA: Field[] = [
  { name: 'i', type: 'INT' }, { name: 'j', type: 'INT' }, { name: 'b', type: 'BIGINT' },
  { name: 'd', type: 'DOUBLE' }, { name: 'm', type: 'DECIMAL(10, 2)' }, { name: 's', type: 'STRING' },
  { name: 'flag', type: 'BOOLEAN' }, { name: 'dt', type: 'DATE' }, { name: 'ts', type: 'TIMESTAMP(3)' },
];

/** A row of SCHEMA; unspecified columns are NULL. */
export function row(values: Partial<Record<string, RowValue>>): Row {
  return SCHEMA.map((f) => values[f.name] ?? null);
}

export function evaluate(expr: string, values: Partial<Record<string, RowValue>> = {}, functions: FunctionDef[] = []): RowValue {
  const q = compileQuery(`SELECT ${expr} AS v FROM source`, SCHEMA, functions);
  return q.apply(row(values))![0];
}

export function typeOf(expr: string): string {
  return compileQuery(`SELECT ${expr} AS v FROM source`, SCHEMA).outputSchema[0].type;
}

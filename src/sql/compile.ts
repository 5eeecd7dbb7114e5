/**
 * compileQuery: query text + source schema + named functions → CompiledQuery.
 * 1. compile the named functions (named-functions.ts);
 * 2. parse the SELECT (parse.ts) and check each item and the WHERE (type-check.ts);
 * 3. name the outputs like Flink: the alias, else the column name, else EXPR$<index>;
 * 4. generate and instantiate the JS (codegen.ts), once.
 */
import type { Field, FunctionDef, Row } from '../api/types.ts';
import { generate, type Program } from './codegen.ts';
import { SqlError, TransformError } from './errors.ts';
import type { Expr } from './ir.ts';
import { compileFunctions } from './named-functions.ts';
import { parseSelect, SOURCE_TABLE } from './parse.ts';
import { parseTypeName, typeName } from './sql-types.ts';
import { Checker, type ScopeField } from './type-check.ts';

export interface CompiledQuery {
  /** Names and SQL types of the SELECT list, in order. */
  readonly outputSchema: Field[];
  /** Transform one row; null when WHERE drops it. */
  apply(row: Row): Row | null;
  /**
   * Batch form used by the hot path: writes results into out, returns count. A runtime
   * failure throws TransformError carrying the index of the input row and the output column.
   */
  applyBatch(rows: Row[], out: Row[]): number;
  /** The generated JavaScript, for debugging. */
  readonly source: string;
}

function sourceFields(schema: readonly Field[]): ScopeField[] {
  return schema.map((f, i) => {
    const type = parseTypeName(String(f.type));
    if (!type) throw new SqlError(`source.schema[${i}] (${f.name}): type '${f.type}' is not supported`);
    return { name: f.name, type, code: `r[${i}]` };
  });
}

/** Which column (or the WHERE) fails for this row: re-run the parts one by one. */
function diagnose(program: Program, names: string[], error: unknown, row: Row, index: number): TransformError {
  try { program.keep(row); } catch (e) { return new TransformError(index, 'WHERE', e); }
  for (let c = 0; c < program.cols.length; c++) {
    try { program.cols[c](row); } catch (e) { return new TransformError(index, names[c], e); }
  }
  return new TransformError(index, names.join(', '), error);
}

export function compileQuery(query: string, sourceSchema: Field[], functions: FunctionDef[] = []): CompiledQuery {
  const fields = sourceFields(sourceSchema);
  const compiled = compileFunctions(functions);
  const parsed = parseSelect(query);
  const checker = new Checker({
    fields,
    where: 'query',
    positions: parsed.positions,
    qualifiers: [SOURCE_TABLE, ...(parsed.tableAlias ? [parsed.tableAlias] : [])],
    functions: compiled.signatures,
    forbidden: new Map(),
    fieldsLabel: 'columns',
  });

  const columns: Expr[] = [];
  const outputSchema: Field[] = [];
  const seen = new Map<string, number>();
  const add = (name: string, e: Expr, pos: { line: number; column: number }) => {
    if (seen.has(name)) throw new SqlError(`duplicate output column '${name}'`, pos, 'query', 'rename one with AS');
    seen.set(name, columns.length);
    columns.push(e);
    outputSchema.push({ name, type: e.k === 'ref' ? String(sourceSchema[fields.findIndex((f) => f.code === e.code)]?.type ?? typeName(e.type)) : typeName(e.type) });
  };
  parsed.items.forEach((item, index) => {
    if (!item.expr) {
      if (item.table && !checker.qualifies(item.table)) throw new SqlError(`unknown table '${item.table}'`, item.pos, 'query', `a transform reads the table '${SOURCE_TABLE}'`);
      for (const f of fields) add(f.name, { k: 'ref', code: f.code, type: f.type }, item.pos);
      return;
    }
    const e = checker.check(item.expr);
    const name = item.alias ?? (item.expr.type === 'column_ref' ? String(item.expr.column) : `EXPR$${index}`);
    add(name, e, item.pos);
  });

  let where: Expr | undefined;
  if (parsed.where) {
    where = checker.check(parsed.where);
    if (where.type.kind !== 'BOOLEAN' && where.type.kind !== 'NULL') {
      throw checker.error(`type mismatch: WHERE needs a BOOLEAN condition, got ${typeName(where.type)}`, parsed.where);
    }
  }

  const names = outputSchema.map((f) => f.name);
  const program: Program = generate({ functions: compiled.code, columns, where }, (error, index, rows) => {
    throw diagnose(program, names, error, rows[index], index);
  });
  return {
    outputSchema,
    source: program.source,
    apply(row: Row): Row | null {
      try {
        return program.row(row);
      } catch (error) {
        throw diagnose(program, names, error, row, 0);
      }
    },
    applyBatch: program.batch,
  };
}

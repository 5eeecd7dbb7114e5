/**
 * An independent reader for what Sluice writes: DuckDB (npm @duckdb/node-api, its engine from
 * the platform package npm installs beside it; parquet and json are built in, nothing is
 * downloaded at run time). Values come back as DuckDB prints them as JSON: BIGINT and DECIMAL
 * as strings, DATE `yyyy-MM-dd`, TIMESTAMP `yyyy-MM-dd HH:mm:ss[.f]`.
 */
import { DuckDBInstance } from '@duckdb/node-api';

export async function duckdb(sql: string): Promise<Array<Record<string, unknown>>> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const r = await c.runAndReadAll(sql);
    return r.getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** A path as a DuckDB string literal. */
export function lit(p: string): string {
  return `'${p.replaceAll("'", "''")}'`;
}

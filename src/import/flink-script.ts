/**
 * readFlinkSql: Flink SQL text → the statements the importer maps (tables, functions, SETs,
 * INSERTs), read from dt-sql-parser's FlinkSQL parse tree. Anything else is a finding with
 * its line; a syntax error stops the import (a half-read script would be guessed).
 *
 * `firstLine` is the line of the input where the text starts, so SQL embedded in a PyFlink
 * program is reported at the program's line.
 */
import type { ParserRuleContext } from 'antlr4ng';
import type {
  InsertSimpleStatementContext,
  QueryStatementContext,
  SimpleCreateTableContext,
  TablePropertyContext,
} from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser.js';
import type { Finding } from './findings.ts';
import { flinkSqlParser } from './flink-sql-parser.ts';

export interface TableOption {
  key: string;
  value: string;
  line: number;
}

export interface TableColumn {
  name: string;
  type: string;
  line: number;
}

export interface TableDef {
  name: string;
  line: number;
  columns: TableColumn[];
  partitionBy: string[];
  watermark?: { column: string; expression: string; line: number };
  options: TableOption[];
}

export interface FunctionStatement {
  name: string;
  line: number;
  /** `AS 'class'` */
  className: string;
  language: string;
}

export interface SelectQuery {
  line: number;
  /** The SELECT list items as written, with their alias if any. */
  items: Array<{ text: string; alias?: string; line: number; star: boolean }>;
  /** The one table read, as written. */
  from: string;
  fromAlias?: string;
  where?: string;
}

export interface InsertStatement {
  sink: string;
  line: number;
  /** Undefined when the query was not one Sluice can run (the reasons are findings). */
  query?: SelectQuery;
}

export interface FlinkScript {
  tables: TableDef[];
  functions: FunctionStatement[];
  settings: TableOption[];
  inserts: InsertStatement[];
  findings: Finding[];
  /** Syntax errors: nothing else of the text can be trusted. */
  syntaxErrors: Finding[];
}

export function emptyScript(): FlinkScript {
  return { tables: [], functions: [], settings: [], inserts: [], findings: [], syntaxErrors: [] };
}

/** `'a''b'` → `a'b`; a backquoted identifier loses its quotes. */
export function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replaceAll("''", "'");
  if (t.length >= 2 && t.startsWith('`') && t.endsWith('`')) return t.slice(1, -1).replaceAll('``', '`');
  return t;
}

export async function readFlinkSql(text: string, firstLine = 1, into: FlinkScript = emptyScript()): Promise<FlinkScript> {
  const sql = await flinkSqlParser();
  const lineOf = (ctx: ParserRuleContext): number => ctx.start!.line + firstLine - 1;
  const slice = (ctx: ParserRuleContext): string => text.slice(ctx.start!.start, ctx.stop!.stop + 1);
  const note = (line: number, message: string, severity: Finding['severity'] = 'needs-user'): void => {
    into.findings.push({ line, severity, message });
  };

  // A listener of our own also keeps ANTLR from printing the errors to the console.
  const errors: Array<{ startLine: number; startColumn: number; message: string }> = [];
  const program = sql.parse(text, (e) => errors.push(e));
  if (errors.length > 0) {
    for (const e of errors) into.syntaxErrors.push({ line: e.startLine + firstLine - 1, severity: 'needs-user', message: `Flink SQL syntax error at column ${e.startColumn}: ${e.message}` });
    return into;
  }

  const property = (p: TablePropertyContext): TableOption => ({
    key: unquote(p.tablePropertyKey().getText()),
    value: p.tablePropertyValue() === null ? '' : unquote(slice(p.tablePropertyValue()!)),
    line: lineOf(p),
  });

  const createTable = (t: SimpleCreateTableContext): void => {
    const def: TableDef = { name: unquote(t.tablePathCreate().getText()), line: lineOf(t), columns: [], partitionBy: [], options: [] };
    for (const c of t.columnOptionDefinition()) {
      const physical = c.physicalColumnDefinition();
      if (physical === null) {
        const what = c.metadataColumnDefinition() !== null ? 'metadata columns (METADATA FROM ...) are not supported yet' : 'a computed column: compute it in the query instead';
        note(lineOf(c), `column \`${slice(c)}\` of ${def.name}: ${what}`);
        continue;
      }
      if (physical.columnConstraint() !== null) note(lineOf(c), `column constraint \`${slice(physical.columnConstraint()!)}\`: constraints are not enforced in Flink either`, 'dropped');
      def.columns.push({ name: unquote(physical.columnNameCreate().getText()), type: slice(physical.columnType()).replace(/\s+/gu, ' '), line: lineOf(c) });
    }
    const wm = t.watermarkDefinition();
    if (wm !== null) def.watermark = { column: unquote(wm.columnName().getText()), expression: slice(wm.expression()), line: lineOf(wm) };
    if (t.tableConstraint() !== null) note(lineOf(t.tableConstraint()!), `\`${slice(t.tableConstraint()!)}\`: constraints are not enforced in Flink either`, 'dropped');
    const partitions = t.partitionDefinition();
    if (partitions !== null) {
      for (const p of partitions.transformList().transform()) def.partitionBy.push(unquote(p.getText()));
    }
    if (t.likeDefinition() !== null) note(lineOf(t.likeDefinition()!), `\`${slice(t.likeDefinition()!)}\`: LIKE is not followed; declare the table's columns and options in full`);
    for (const p of t.withOption().tablePropertyList().tableProperty()) def.options.push(property(p));
    into.tables.push(def);
  };

  const readQuery = (q: QueryStatementContext): SelectQuery | undefined => {
    const line = lineOf(q);
    const s = q.selectStatement();
    const refuse = (at: ParserRuleContext, what: string): undefined => {
      note(lineOf(at), `${what}: Sluice transforms each source row on its own (SELECT ... FROM one table [WHERE ...]); it has no state for joins, aggregates or ordering`);
      return undefined;
    };
    if (q.withClause() !== null) return refuse(q.withClause()!, 'WITH');
    if (q.KW_UNION() !== null || q.KW_INTERSECT() !== null || q.KW_EXCEPT() !== null) return refuse(q, 'UNION / INTERSECT / EXCEPT');
    if (q.orderByClause() !== null) return refuse(q.orderByClause()!, 'ORDER BY');
    if (q.limitClause() !== null) return refuse(q.limitClause()!, 'LIMIT');
    if (s === null) return refuse(q, `\`${slice(q).slice(0, 60)}\``);
    if (s.groupByClause() !== null) return refuse(s.groupByClause()!, 'GROUP BY');
    if (s.havingClause() !== null) return refuse(s.havingClause()!, 'HAVING');
    if (s.windowClause() !== null) return refuse(s.windowClause()!, 'WINDOW');
    if (s.matchRecognizeClause() !== null) return refuse(s.matchRecognizeClause()!, 'MATCH_RECOGNIZE');
    if (s.selectClause().setQuantifier() !== null) return refuse(s.selectClause(), 'DISTINCT');
    const from = s.fromClause();
    if (from === null) return refuse(s, 'a SELECT without FROM');
    const te = from.tableExpression();
    if (te.joinCondition() !== null || te.KW_JOIN() !== null || te.tableExpression().length > 0) return refuse(te, 'JOIN');
    if (te.tableReference().length !== 1) return refuse(te, te.tableReference().length > 1 ? 'a JOIN (FROM a, b)' : `FROM \`${slice(te)}\``);
    const ref = te.tableReference(0)!;
    const path = ref.tablePrimary().tablePath();
    if (path === null) return refuse(ref, `FROM \`${slice(ref)}\` (only a table name is read)`);
    const items: SelectQuery['items'] = [];
    for (const item of s.selectClause().selectList().columnProjectItem()) {
      const alias = item.columnAlias();
      const exprText = alias === null ? slice(item) : text.slice(item.start!.start, alias.start!.start).replace(/\s+(AS\s*)?$/iu, '');
      items.push({ text: exprText.trim(), alias: alias === null ? undefined : unquote(alias.identifier().getText()), line: lineOf(item), star: item.tableAllColumns() !== null || slice(item).trim() === '*' });
    }
    const where = s.whereClause();
    return {
      line,
      items,
      from: unquote(path.getText()),
      fromAlias: ref.tableAlias() === null ? undefined : slice(ref.tableAlias()!),
      where: where === null ? undefined : slice(where).replace(/^WHERE\s+/iu, ''),
    };
  };

  const insert = (i: InsertSimpleStatementContext): void => {
    const line = lineOf(i);
    const stmt: InsertStatement = { sink: unquote(i.tablePath().getText()), line };
    if (i.KW_OVERWRITE() !== null) note(line, 'INSERT OVERWRITE: Sluice appends committed files; existing files are not replaced');
    if (i.insertPartitionDefinition() !== null) note(line, `static partition \`${slice(i.insertPartitionDefinition()!)}\`: select the partition values as columns instead`);
    if (i.columnNameList() !== null) note(line, `the column list \`${slice(i.columnNameList()!)}\`: list the query's columns in the sink's order instead`);
    if (i.valuesDefinition() !== null) note(line, 'INSERT ... VALUES: Sluice reads a source table; there is no literal-rows source');
    else stmt.query = readQuery(i.queryStatement()!);
    into.inserts.push(stmt);
  };

  for (const single of program.singleStatement()) {
    const st = single.sqlStatement();
    if (st === null) continue;
    const line = lineOf(st);
    const ddl = st.ddlStatement();
    const dml = st.dmlStatement();
    if (st.setStatement() !== null) {
      const p = st.setStatement()!.tableProperty();
      if (p === null) note(line, 'SET without a key lists the configuration; nothing to import', 'dropped');
      else into.settings.push(property(p));
    } else if (ddl?.createTable() != null) {
      const t = ddl.createTable()!;
      if (t.simpleCreateTable() !== null) createTable(t.simpleCreateTable()!);
      else note(line, 'CREATE TABLE ... AS SELECT: declare the sink table, then INSERT INTO it');
    } else if (ddl?.createFunction() != null) {
      const f = ddl.createFunction()!;
      const language = f.KW_PYTHON() !== null ? 'PYTHON' : f.KW_SCALA() !== null ? 'SCALA' : 'JAVA';
      if (f.usingClause() !== null) note(lineOf(f.usingClause()!), `\`${slice(f.usingClause()!)}\`: no JARs are loaded`, 'dropped');
      into.functions.push({ name: unquote(f.functionNameCreate().getText()), line, className: unquote(slice(f.identifier())), language });
    } else if (dml?.insertStatement() != null) {
      const ins = dml.insertStatement()!;
      const many = ins.insertMulStatement() ?? ins.insertMulStatementCompatibility();
      if (many !== null) many.insertSimpleStatement().forEach(insert);
      else insert(ins.insertSimpleStatement()!);
    } else if (dml?.queryStatement() != null) {
      note(line, 'a SELECT without INSERT INTO prints rows in Flink; a Sluice job writes to its sink: INSERT INTO the sink table');
    } else {
      note(line, `\`${slice(st).split('\n')[0]!.slice(0, 80)}\`: not a statement Sluice maps (it reads CREATE TABLE, CREATE FUNCTION, SET and INSERT INTO)`);
    }
  }
  return into;
}

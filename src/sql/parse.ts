/**
 * Text → checked AST. Wraps node-sql-parser (FlinkSQL dialect) and:
 * 1. turns its syntax errors into SqlError with line:column;
 * 2. accepts only `SELECT <items> FROM source [WHERE <cond>]` and names what is not supported;
 * 3. repairs AND/OR precedence (the FlinkSQL grammar of node-sql-parser 5.4 parses
 *    `a OR b AND c` as `(a OR b) AND c`; SQL says `a OR (b AND c)`), see fixLogic;
 * 4. records a position for every node (locate.ts) for later error messages.
 */
import sqlParser from 'node-sql-parser/build/flinksql.js';
import { SqlError, type SqlPosition } from './errors.ts';
import { Locator, type AstNode, type Positions } from './locate.ts';
import { checkNesting, checkParentheses, selectPositions } from './nesting.ts';

/** The one table a transform reads. */
export const SOURCE_TABLE = 'source';

export interface SelectItem {
  /** The expression, or undefined for `*` / `source.*`. */
  expr: AstNode | undefined;
  alias: string | undefined;
  /** Qualifier of the item when written `s.uid` or `s.*`. */
  table: string | undefined;
  pos: SqlPosition;
}

export interface ParsedSelect {
  items: SelectItem[];
  where: AstNode | undefined;
  /** `FROM source s` → 's': columns may be written `s.uid`. */
  tableAlias: string | undefined;
  positions: Positions;
}

export interface ParsedExpression {
  expr: AstNode;
  positions: Positions;
}

const parser = new sqlParser.Parser();

function astify(text: string, where: string, columnShift: number): unknown {
  const shift = (p: SqlPosition): SqlPosition => (p.line === 1 ? { line: 1, column: p.column - columnShift } : p);
  checkParentheses(text, where, shift);
  try {
    return parser.astify(text, { database: 'FlinkSQL', parseOptions: { includeLocations: true } });
  } catch (err) {
    if (err instanceof RangeError) throw new SqlError('the text is nested too deeply to parse', undefined, where, 'split it, e.g. into named functions');
    const e = err as { location?: { start?: { line: number; column: number } }; found?: string | null };
    const start = e.location?.start;
    if (!start) throw new SqlError(`cannot parse: ${(err as Error).message}`, undefined, where);
    const pos = { line: start.line, column: start.line === 1 ? start.column - columnShift : start.column };
    const found = e.found === null || e.found === undefined ? 'end of input' : `'${e.found}'`;
    throw new SqlError(`syntax error: unexpected ${found}`, pos, where);
  }
}

function keywordPos(text: string, word: string): SqlPosition | undefined {
  return new Locator(text).keyword(word);
}

function unsupported(what: string, text: string, keyword: string): SqlError {
  return new SqlError(
    `${what} is not supported: a transform is a single SELECT ... FROM ${SOURCE_TABLE} [WHERE ...]`,
    keywordPos(text, keyword),
  );
}

export function parseSelect(query: string): ParsedSelect {
  const parsed = astify(query, 'query', 0);
  const statements = Array.isArray(parsed) ? parsed : [parsed];
  if (statements.length !== 1) throw new SqlError(`expected one SELECT statement, got ${statements.length}`);
  const ast = statements[0] as AstNode;
  if (ast.type !== 'select') throw new SqlError(`${String(ast.type).toUpperCase()} is not supported: a transform is a single SELECT ... FROM ${SOURCE_TABLE}`, { line: 1, column: 1 });
  if (ast.with) throw unsupported('WITH', query, 'WITH');
  if (ast._next || ast.set_op) throw unsupported(String(ast.set_op ?? 'UNION').toUpperCase(), query, String(ast.set_op ?? 'UNION').split(' ')[0]);
  if (ast.distinct) throw unsupported('DISTINCT', query, 'DISTINCT');
  if (ast.groupby) throw unsupported('GROUP BY', query, 'GROUP');
  if (ast.having) throw unsupported('HAVING', query, 'HAVING');
  if (ast.orderby) throw unsupported('ORDER BY', query, 'ORDER');
  if (ast.limit && Array.isArray((ast.limit as AstNode).value) && ((ast.limit as AstNode).value as unknown[]).length > 0) throw unsupported('LIMIT', query, 'LIMIT');
  if (ast.window) throw unsupported('WINDOW', query, 'WINDOW');

  const columns = Array.isArray(ast.columns) ? (ast.columns as AstNode[]) : [];
  // before anything walks the trees recursively
  const starts = selectPositions(query);
  columns.forEach((col, k) => checkNesting(col.expr, starts.items[k], `SELECT item ${k + 1}`, 'query'));
  if (ast.where) checkNesting(ast.where, starts.where, 'the WHERE condition', 'query');

  const locator = new Locator(query);
  const items: SelectItem[] = [];
  for (const col of columns) {
    const expr = fixLogic(col.expr) as AstNode;
    const star = expr.type === 'column_ref' && expr.column === '*';
    const pos = locator.walk(expr);
    const alias = typeof col.as === 'string' ? col.as : undefined;
    if (alias) locator.identifier(alias);
    const table = typeof expr.table === 'string' ? expr.table : undefined;
    items.push({ expr: star ? undefined : expr, alias, table, pos });
  }

  const from = Array.isArray(ast.from) ? (ast.from as AstNode[]) : [];
  locator.keyword('FROM');
  if (from.length === 0) throw new SqlError(`missing FROM ${SOURCE_TABLE}`);
  if (from.length > 1 || from.some((f) => f.join)) throw unsupported('JOIN', query, from.some((f) => f.join) ? 'JOIN' : 'FROM');
  const table = from[0];
  if (table.expr || typeof table.table !== 'string') throw unsupported('a subquery in FROM', query, 'FROM');
  const tablePos = locator.identifier(table.table);
  if (table.table.toLowerCase() !== SOURCE_TABLE) {
    throw new SqlError(`unknown table '${table.table}'`, tablePos, 'query', `a transform reads the table '${SOURCE_TABLE}'`);
  }
  const tableAlias = typeof table.as === 'string' ? table.as : undefined;
  if (tableAlias) locator.identifier(tableAlias);

  let where: AstNode | undefined;
  if (ast.where) {
    locator.keyword('WHERE');
    where = fixLogic(ast.where) as AstNode;
    locator.walk(where);
  }
  return { items, where, tableAlias, positions: locator.positions };
}

/**
 * Parses one SQL expression (a FunctionDef body). Positions are relative to `text` itself.
 * @param where  `function 'name'`, for messages
 */
export function parseExpression(text: string, where: string): ParsedExpression {
  const prefix = 'SELECT ';
  const wrapped = `${prefix}${text}\nFROM ${SOURCE_TABLE}`;
  const parsed = astify(wrapped, where, prefix.length);
  const ast = (Array.isArray(parsed) ? parsed[0] : parsed) as AstNode;
  const columns = Array.isArray(ast?.columns) ? (ast.columns as AstNode[]) : [];
  if (Array.isArray(parsed) && parsed.length !== 1 || columns.length !== 1 || ast.where || ast.groupby || (columns[0].as ?? null) !== null) {
    throw new SqlError('expected a single expression', undefined, where);
  }
  checkNesting(columns[0].expr, { line: 1, column: 1 }, 'the expression', where);
  const expr = fixLogic(columns[0].expr) as AstNode;
  const locator = new Locator(wrapped);
  locator.walk(expr);
  const positions: Positions = new Map();
  for (const [node, pos] of locator.positions) {
    positions.set(node, pos.line === 1 ? { line: 1, column: pos.column - prefix.length } : pos);
  }
  return { expr, positions };
}

function isLogic(node: unknown): node is AstNode {
  const n = node as AstNode | null;
  return !!n && n.type === 'binary_expr' && (n.operator === 'AND' || n.operator === 'OR') && !n.parentheses;
}

/**
 * Rebuilds every unparenthesised AND/OR chain with SQL precedence (AND before OR). The
 * parser's tree for a chain, read in order, still lists operands and operators in source
 * order, whatever shape it has; so flatten it and regroup.
 */
export function fixLogic(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map(fixLogic);
  const n = node as AstNode;
  if (isLogic(n)) {
    const operands: unknown[] = [];
    const operators: string[] = [];
    const flatten = (x: unknown): void => {
      if (isLogic(x)) {
        flatten(x.left);
        operators.push(x.operator as string);
        flatten(x.right);
      } else operands.push(fixLogic(x));
    };
    flatten(n);
    const ors: unknown[] = [];
    let current = operands[0];
    for (let k = 0; k < operators.length; k++) {
      if (operators[k] === 'AND') current = { type: 'binary_expr', operator: 'AND', left: current, right: operands[k + 1] };
      else { ors.push(current); current = operands[k + 1]; }
    }
    ors.push(current);
    return ors.reduce((left, right) => ({ type: 'binary_expr', operator: 'OR', left, right }));
  }
  const out: AstNode = {};
  for (const [key, value] of Object.entries(n)) out[key] = key === 'loc' ? value : fixLogic(value);
  return out;
}

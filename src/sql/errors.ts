/**
 * Errors of the transform compiler. Two moments, two classes:
 * - SqlError: the query or a named function is wrong; raised by compileQuery, names the
 *   position (line:column) in the text the user wrote.
 * - TransformError: a row made a compiled expression fail (division by zero, bad CAST); raised
 *   by apply/applyBatch, names the input row index and the output column.
 * Helpers under functions/ throw EvaluationError; the compiled query wraps it in TransformError.
 */
import { SluiceError } from '../errors.ts';

/** A position in a query or function expression, 1-based like the parser's. */
export interface SqlPosition {
  line: number;
  column: number;
}

export class SqlError extends SluiceError {
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** What the message is about: `query`, or `function 'uid_to_pid'`. */
  readonly where: string;

  /**
   * @param what   the problem, naming the thing (`unknown column 'uidd'`)
   * @param pos    where it is; omitted for errors about the whole text
   * @param where  `query` or `function 'name'`; mentioned unless it is the query
   * @param hint   appended in parentheses: what would be valid (`columns: uid`)
   */
  constructor(what: string, pos?: SqlPosition, where = 'query', hint?: string) {
    const at = pos ? ` at line ${pos.line}, column ${pos.column}` : '';
    const inWhat = where === 'query' ? '' : ` in ${where}`;
    super(`${what}${at}${inWhat}${hint ? ` (${hint})` : ''}`);
    this.line = pos?.line;
    this.column = pos?.column;
    this.where = where;
  }
}

/** Thrown by runtime helpers; carries the SQL text of the failing expression. */
export class EvaluationError extends SluiceError {
  readonly expression: string;

  constructor(problem: string, expression: string) {
    super(`${problem} in '${expression}'`);
    this.expression = expression;
  }
}

export class TransformError extends SluiceError {
  /** Index of the input row in the batch given to applyBatch (0 for apply). */
  readonly rowIndex: number;
  /** Output column being computed, or `WHERE`. */
  readonly column: string;

  constructor(rowIndex: number, column: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const what = column === 'WHERE' ? 'the WHERE clause' : `column '${column}'`;
    super(`transform failed at input row ${rowIndex}, ${what}: ${why}`, { cause });
    this.rowIndex = rowIndex;
    this.column = column;
  }
}

/**
 * How deep an expression may nest. Every stage after the parser walks the tree recursively
 * (AND/OR regrouping, positions, type check, code generation), and the generated JavaScript
 * nests as deep as the SQL: V8's own parser overflows its stack at a few hundred levels (a flat
 * `a + a + ...` of 800 terms did, "Maximum call stack size exceeded" in `new Function`). So a
 * deeper expression is refused with a SqlError naming where it starts, before any of them runs.
 * Measured here without recursion. A flat chain `a + b + c` counts one level per operator.
 */
import { SqlError, type SqlPosition } from './errors.ts';
import { tokenize } from './locate.ts';

/** Deepest nesting accepted: every stage compiles it with a wide margin (tested at the limit). */
export const MAX_NESTING = 250;

/** Levels of expression nodes (objects with a `type`) on the deepest path below `root`, counted iteratively. */
export function nestingDepth(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const x of node) stack.push([x, depth]);
      continue;
    }
    const d = typeof (node as { type?: unknown }).type === 'string' ? depth + 1 : depth;
    if (d > max) max = d;
    for (const [k, v] of Object.entries(node)) if (k !== 'loc' && v !== null && typeof v === 'object') stack.push([v, d]);
  }
  return max;
}

/**
 * Before parsing: parentheses nested deeper than MAX_NESTING are refused at the one that goes
 * too deep (the parser itself recurses on them).
 */
export function checkParentheses(text: string, where: string, shift: (p: SqlPosition) => SqlPosition): void {
  let depth = 0;
  for (const tok of tokenize(text)) {
    if (tok.kind !== 'symbol') continue;
    if (tok.text === '(' && ++depth > MAX_NESTING) {
      throw new SqlError(`parentheses nested more than ${MAX_NESTING} deep`, shift(tok.pos), where, 'split the expression, e.g. into named functions');
    }
    if (tok.text === ')') depth--;
  }
}

/** Where each item of the SELECT list starts, and the WHERE condition (tokens at parenthesis depth 0). */
export function selectPositions(text: string): { items: SqlPosition[]; where: SqlPosition | undefined } {
  const tokens = tokenize(text);
  const items: SqlPosition[] = [];
  let where: SqlPosition | undefined;
  let depth = 0;
  let inList = false;
  let expectItem = false;
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    if (tok.kind === 'symbol' && tok.text === '(') depth++;
    else if (tok.kind === 'symbol' && tok.text === ')') depth--;
    if (depth !== 0 || tok.kind !== 'ident' && tok.kind !== 'symbol') {
      if (expectItem) { items.push(tok.pos); expectItem = false; }
      continue;
    }
    if (!inList && items.length === 0 && tok.text === 'SELECT') { inList = true; expectItem = true; continue; }
    if (inList && tok.text === 'FROM') { inList = false; continue; }
    if (tok.text === 'WHERE') { where = tokens[k + 1]?.pos; continue; }
    if (inList && tok.text === ',') { expectItem = true; continue; }
    if (expectItem) { items.push(tok.pos); expectItem = false; }
  }
  return { items, where };
}

/** Throws SqlError at `pos` if `expr` nests deeper than MAX_NESTING. */
export function checkNesting(expr: unknown, pos: SqlPosition | undefined, what: string, where: string): void {
  const depth = nestingDepth(expr);
  if (depth <= MAX_NESTING) return;
  throw new SqlError(
    `${what} nests ${depth} levels deep, more than the ${MAX_NESTING} supported (each operator of a chain like a + b + c is one level)`,
    pos, where, 'split it, e.g. into named functions or shorter expressions',
  );
}

/**
 * Positions for AST nodes. node-sql-parser gives `loc` only to function calls, so an error
 * about a column or literal would have no line:column. This module tokenizes the text itself
 * and walks the AST in source order with a cursor, matching each leaf to its next token.
 * In-order traversal of an expression tree is source order, so the match is exact for the
 * usual cases and at worst points a little early (never at the wrong line of a function body).
 */
import type { SqlPosition } from './errors.ts';

interface Token {
  /** Identifiers upper-cased unless quoted; strings without quotes; symbols as written. */
  text: string;
  kind: 'ident' | 'quoted' | 'string' | 'number' | 'symbol';
  pos: SqlPosition;
  offset: number;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const push = (kind: Token['kind'], value: string, start: number) =>
    tokens.push({ kind, text: value, offset: start, pos: { line, column: start - lineStart + 1 } });
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\n') { line++; lineStart = ++i; continue; }
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === '-' && text[i + 1] === '-') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] === '\n') { line++; lineStart = i + 1; }
      continue;
    }
    const start = i;
    if (ch === "'" || ch === '`' || ch === '"') {
      i++;
      while (i < text.length && !(text[i] === ch && text[i + 1] !== ch)) i += text[i] === ch ? 2 : 1;
      i++;
      push(ch === "'" ? 'string' : ch === '`' ? 'quoted' : 'string', text.slice(start + 1, i - 1), start);
    } else if (/[0-9.]/.test(ch) && /[0-9]/.test(text[i + 1] ?? ch)) {
      while (i < text.length && /[0-9.eE]/.test(text[i])) i++;
      push('number', text.slice(start, i), start);
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch)) {
      while (i < text.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(text[i])) i++;
      push('ident', text.slice(start, i).toUpperCase(), start);
    } else {
      const two = text.slice(i, i + 2);
      const sym = ['||', '<=', '>=', '<>', '!=', '::'].includes(two) ? two : ch;
      i += sym.length;
      push('symbol', sym, start);
    }
  }
  return tokens;
}

/** Any AST node of node-sql-parser: only the fields this module reads. */
export interface AstNode {
  type?: string;
  [key: string]: unknown;
}

export type Positions = Map<object, SqlPosition>;

export class Locator {
  private readonly tokens: Token[];
  private cursor = 0;
  readonly positions: Positions = new Map();

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  /** Moves the cursor past the next token the predicate accepts; returns its position. */
  private find(accept: (tok: Token) => boolean): SqlPosition | undefined {
    for (let k = this.cursor; k < this.tokens.length; k++) {
      if (accept(this.tokens[k])) {
        this.cursor = k + 1;
        return this.tokens[k].pos;
      }
    }
    return undefined;
  }

  private here(): SqlPosition {
    const tok = this.tokens[Math.min(this.cursor, this.tokens.length - 1)];
    return tok ? tok.pos : { line: 1, column: 1 };
  }

  keyword(word: string): SqlPosition | undefined {
    return this.find((tok) => tok.kind === 'ident' && tok.text === word.toUpperCase());
  }

  identifier(name: string): SqlPosition | undefined {
    return this.find((tok) => (tok.kind === 'quoted' ? tok.text === name : tok.kind === 'ident' && tok.text === name.toUpperCase()));
  }

  /** Jump to a known offset (from a node's `loc`). */
  seek(offset: number): void {
    const k = this.tokens.findIndex((tok) => tok.offset >= offset);
    this.cursor = k < 0 ? this.tokens.length : k;
  }

  /** Records positions for `node` and everything under it. */
  walk(node: unknown): SqlPosition {
    if (node === null || typeof node !== 'object') return this.here();
    const n = node as AstNode;
    const pos = this.visit(n);
    this.positions.set(n, pos);
    return pos;
  }

  private visit(n: AstNode): SqlPosition {
    const loc = n.loc as { start: { offset: number; line: number; column: number } } | undefined;
    if (loc) this.seek(loc.start.offset);
    const start = loc ? { line: loc.start.line, column: loc.start.column } : undefined;
    switch (n.type) {
      case 'column_ref': {
        const table = n.table as string | null;
        const first = table ? this.identifier(table) : undefined;
        const col = n.column === '*' ? this.find((tok) => tok.text === '*') : this.identifier(String(n.column));
        return start ?? first ?? col ?? this.here();
      }
      case 'number': case 'bigint':
        return start ?? this.find((tok) => tok.kind === 'number') ?? this.here();
      case 'single_quote_string': case 'double_quote_string':
        return start ?? this.find((tok) => tok.kind === 'string') ?? this.here();
      case 'bool':
        return start ?? this.keyword(n.value ? 'TRUE' : 'FALSE') ?? this.here();
      case 'null':
        return start ?? this.keyword('NULL') ?? this.here();
      case 'date': case 'timestamp': case 'time': {
        const p = this.keyword(n.type);
        this.find((tok) => tok.kind === 'string');
        return start ?? p ?? this.here();
      }
      case 'unary_expr': {
        const op = String(n.operator);
        const p = op === 'NOT' ? this.keyword('NOT') : this.find((tok) => tok.text === op);
        this.walk(n.expr);
        return start ?? p ?? this.here();
      }
      case 'binary_expr': {
        const left = this.walk(n.left);
        this.walk(n.right);
        return start ?? left;
      }
      case 'expr_list': {
        const values = Array.isArray(n.value) ? n.value : [];
        const first = values.length > 0 ? this.walk(values[0]) : this.here();
        for (const v of values.slice(1)) this.walk(v);
        return start ?? first;
      }
      case 'case': {
        const p = this.keyword('CASE');
        if (n.expr) this.walk(n.expr);
        for (const arm of (n.args as AstNode[]) ?? []) {
          if (arm.type === 'when') { this.keyword('WHEN'); this.walk(arm.cond); this.keyword('THEN'); } else this.keyword('ELSE');
          this.walk(arm.result);
        }
        return start ?? p ?? this.here();
      }
      case 'cast': {
        const p = this.keyword(String(n.keyword ?? 'CAST'));
        this.walk(n.expr);
        return start ?? p ?? this.here();
      }
      case 'origin':
        return start ?? this.keyword(String(n.value)) ?? this.here();
      case 'function': case 'aggr_func': case 'extract': {
        const p = start ?? this.here();
        const args = n.args as AstNode | undefined;
        if (n.type === 'extract') this.walk((args as { source?: unknown } | undefined)?.source);
        else if (args && Array.isArray(args.value)) for (const v of args.value) this.walk(v);
        else if (args && args.expr) this.walk(args.expr);
        return p;
      }
      default:
        return start ?? this.here();
    }
  }

  /** Position of a node visited before, or the cursor. */
  positionOf(node: object): SqlPosition {
    return this.positions.get(node) ?? this.here();
  }
}

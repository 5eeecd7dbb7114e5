/**
 * Prints an AST expression back as SQL, to name it in messages (`division by zero in
 * 'uid / 0'`, output column `EXPR$1` of `uid_to_pid(uid)`). Close to what the user wrote,
 * not byte-exact (spacing and keyword case are normalised).
 */
import type { AstNode } from './locate.ts';

function fnName(n: AstNode): string {
  const name = n.name as { name?: Array<{ value: string }> } | string | undefined;
  if (typeof name === 'string') return name;
  return (name?.name ?? []).map((p) => p.value).join('.');
}

function typeText(target: unknown): string {
  const t = (Array.isArray(target) ? target[0] : target) as { dataType?: string; length?: number; scale?: number } | undefined;
  if (!t?.dataType) return '?';
  if (t.length === undefined) return t.dataType;
  return t.scale === undefined ? `${t.dataType}(${t.length})` : `${t.dataType}(${t.length}, ${t.scale})`;
}

export function sqlText(node: unknown): string {
  if (node === null || typeof node !== 'object') return String(node);
  const n = node as AstNode;
  const wrap = (s: string) => (n.parentheses ? `(${s})` : s);
  switch (n.type) {
    case 'column_ref': return n.table ? `${String(n.table)}.${String(n.column)}` : String(n.column);
    case 'number': case 'bigint': return String(n.value);
    case 'single_quote_string': return `'${String(n.value)}'`;
    case 'double_quote_string': return `"${String(n.value)}"`;
    case 'bool': return n.value ? 'TRUE' : 'FALSE';
    case 'null': return 'NULL';
    case 'date': case 'timestamp': return `${n.type.toUpperCase()} '${String(n.value)}'`;
    case 'origin': return String(n.value).toUpperCase();
    case 'star': return '*';
    case 'unary_expr': return wrap(n.operator === 'NOT' ? `NOT ${sqlText(n.expr)}` : `${String(n.operator)}${sqlText(n.expr)}`);
    case 'expr_list': {
      const values = (n.value as unknown[]).map(sqlText);
      return `(${values.join(', ')})`;
    }
    case 'binary_expr': {
      const op = String(n.operator);
      if (op === 'BETWEEN' || op === 'NOT BETWEEN') {
        const [lo, hi] = (n.right as AstNode).value as unknown[];
        return wrap(`${sqlText(n.left)} ${op} ${sqlText(lo)} AND ${sqlText(hi)}`);
      }
      return wrap(`${sqlText(n.left)} ${op} ${sqlText(n.right)}`);
    }
    case 'function': case 'aggr_func': {
      const args = n.args as AstNode | undefined;
      const sep = n.separator === ' ' ? ' ' : ', ';
      const list = args && Array.isArray(args.value) ? (args.value as unknown[]).map(sqlText).join(sep) : args?.expr ? sqlText(args.expr) : '';
      return wrap(`${fnName(n)}(${list})`);
    }
    case 'extract': {
      const args = n.args as { field: string; source: unknown };
      return `EXTRACT(${args.field} FROM ${sqlText(args.source)})`;
    }
    case 'cast': return wrap(`${String(n.keyword ?? 'cast').toUpperCase()}(${sqlText(n.expr)} AS ${typeText(n.target)})`);
    case 'case': {
      let s = 'CASE';
      if (n.expr) s += ` ${sqlText(n.expr)}`;
      for (const arm of n.args as AstNode[]) s += arm.type === 'when' ? ` WHEN ${sqlText(arm.cond)} THEN ${sqlText(arm.result)}` : ` ELSE ${sqlText(arm.result)}`;
      return wrap(`${s} END`);
    }
    default: return `<${String(n.type)}>`;
  }
}

export { fnName, typeText };

/**
 * Checks a JSON value against a structural schema (`schema-types.ts`) the way the apiserver
 * does for a CRD, plus one thing it does not: unknown fields are errors here (the apiserver
 * prunes them silently, so a typo like `fileSise` would do nothing at all).
 *
 * Order per node: type, then the node's own constraints, then children, then its CEL rules.
 * CEL rules run only when the node's subtree has the right shape (types and required fields),
 * because a rule like `self.schema.exists(...)` cannot say anything useful about a missing list.
 */
import { evaluateMessage, evaluateRule } from './cel.ts';
import type { ValidationError } from './field-error.ts';
import { PATTERN_HINTS } from './schema.ts';
import type { JSONSchemaProps, ValidationRule } from './schema-types.ts';

/** A failed rule's message: its messageExpression's, as the apiserver does, else the fixed one. */
function messageOf(r: ValidationRule, self: unknown): string {
  if (r.messageExpression === undefined) return r.message;
  try {
    return evaluateMessage(r.messageExpression, self);
  } catch {
    return r.message;
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What the user gave, without echoing values (a mistyped secret must not land in a log). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'a boolean',
};

/** Short, safe echo of a scalar the user typed into a constrained (non-secret) field. */
function shown(value: string): string {
  return value.length > 64 ? `${JSON.stringify(value.slice(0, 61))}...` : JSON.stringify(value);
}

/** Levenshtein distance, for "did you mean". Field names are short; O(n*m) is fine. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function suggestion(unknown: string, known: string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(unknown, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 4)) ? `; did you mean ${best}?` : '';
}

const codePoints = (s: string): number => [...s].length;

// RFC 3339 as Kubernetes metav1.Time writes it.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/u;

interface Walk {
  errors: ValidationError[];
}

/** Returns whether the subtree has the right shape (see the module comment). */
function check(schema: JSONSchemaProps, value: unknown, path: string, walk: Walk): boolean {
  const add = (message: string, at = path): void => {
    walk.errors.push({ path: at, message });
  };

  if (value === null) {
    add('must not be null; leave the field out to use its default');
    return false;
  }

  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value === 'number' ? !Number.isInteger(value) : typeof value !== 'string') {
      add(`${PATTERN_HINTS[schema.pattern ?? ''] ?? 'must be an integer or a string'}; got ${kindOf(value)}`);
      return false;
    }
  } else if (schema.type !== undefined) {
    const ok =
      schema.type === 'object' ? isObject(value)
      : schema.type === 'array' ? Array.isArray(value)
      : schema.type === 'integer' ? typeof value === 'number' && Number.isInteger(value)
      : typeof value === schema.type;
    if (!ok) {
      add(`must be ${EXPECTED[schema.type]}, got ${kindOf(value)}`);
      return false;
    }
  }

  let shapeOk = true;

  if (typeof value === 'string') {
    if (schema.enum !== undefined && !schema.enum.includes(value)) {
      add(`must be one of ${schema.enum.join(', ')}; got ${shown(value)}`);
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      add(`${PATTERN_HINTS[schema.pattern] ?? `must match ${schema.pattern}`}; got ${shown(value)}`);
    }
    if (schema.minLength !== undefined && codePoints(value) < schema.minLength) {
      add(schema.minLength === 1 && schema.maxLength === 1 ? 'must be exactly one character' : `must be at least ${schema.minLength} characters`);
    } else if (schema.maxLength !== undefined && codePoints(value) > schema.maxLength) {
      add(schema.maxLength === 1 ? 'must be exactly one character' : `must be at most ${schema.maxLength} characters`);
    }
    if (schema.format === 'date-time' && !DATE_TIME.test(value)) add(`must be an RFC 3339 date-time; got ${shown(value)}`);
  }

  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) add(`must be at least ${schema.minimum}; got ${value}`);
    if (schema.maximum !== undefined && value > schema.maximum) add(`must be at most ${schema.maximum}; got ${value}`);
  }

  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) add(`must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) add(`must have at most ${schema.maxItems} items`);
    if (schema.items !== undefined) {
      value.forEach((item, i) => {
        if (!check(schema.items!, item, `${path}[${i}]`, walk)) shapeOk = false;
      });
    }
    checkListType(schema, value, path, walk);
  }

  if (isObject(value)) {
    const properties = schema.properties ?? {};
    for (const key of schema.required ?? []) {
      if (!(key in value)) {
        add('is required', `${path}.${key}`);
        shapeOk = false;
      }
    }
    if (schema.maxProperties !== undefined && Object.keys(value).length > schema.maxProperties) {
      add(`must have at most ${schema.maxProperties} entries`);
    }
    for (const [key, child] of Object.entries(value)) {
      const childSchema = properties[key] ?? schema.additionalProperties;
      const childPath = properties[key] === undefined && schema.additionalProperties !== undefined ? `${path}[${key}]` : `${path}.${key}`;
      if (childSchema === undefined) {
        if (schema['x-kubernetes-preserve-unknown-fields'] !== true) {
          add(`unknown field${suggestion(key, Object.keys(properties))}`, childPath);
        }
        continue;
      }
      if (!check(childSchema, child, childPath, walk)) shapeOk = false;
    }
  }

  if (shapeOk) {
    for (const r of schema['x-kubernetes-validations'] ?? []) {
      let holds: boolean;
      try {
        holds = evaluateRule(r.rule, value);
      } catch (error) {
        add(`rule ${JSON.stringify(r.rule)} could not be evaluated: ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
      if (!holds) add(messageOf(r, value), `${path}${r.fieldPath ?? ''}`);
    }
  }
  return shapeOk;
}

/** `x-kubernetes-list-type` map (unique keys) and set (unique scalars), as the apiserver enforces. */
function checkListType(schema: JSONSchemaProps, list: unknown[], path: string, walk: Walk): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== 'map' && listType !== 'set') return;
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    let key: string;
    let label: string;
    if (listType === 'set') {
      key = JSON.stringify(item);
      label = `duplicate value ${key}`;
    } else {
      if (!isObject(item)) return;
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      key = JSON.stringify(keys.map((k) => item[k] ?? null));
      label = `duplicate entry with ${keys.map((k) => `${k}=${JSON.stringify(item[k] ?? null)}`).join(', ')}`;
    }
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else walk.errors.push({ path: `${path}[${i}]`, message: `${label} (first at [${first}])` });
  });
}

/**
 * Every error in `value` against `schema`, paths starting at `path` (`spec`). Never throws.
 * @returns errors in document order; empty when valid
 */
export function checkAgainstSchema(schema: JSONSchemaProps, value: unknown, path: string): ValidationError[] {
  const walk: Walk = { errors: [] };
  check(schema, value as Json, path, walk);
  return walk.errors;
}

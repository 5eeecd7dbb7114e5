/**
 * The compiler's view of SQL types: a kind (how the value is carried at run time, see
 * `RowValue` in src/api/types.ts), optional precision/scale, and whether null can occur.
 * Also the implicit-conversion rules (Flink's, reduced to the types Sluice carries).
 */
export type Kind =
  | 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT'
  | 'FLOAT' | 'DOUBLE' | 'DECIMAL'
  | 'BOOLEAN' | 'STRING' | 'DATE' | 'TIMESTAMP'
  /** The type of a bare NULL literal: converts to anything. */
  | 'NULL';

export interface SqlType {
  readonly kind: Kind;
  /** DECIMAL precision, TIMESTAMP fractional digits, VARCHAR/CHAR length. */
  readonly precision?: number;
  readonly scale?: number;
  /** Declared spelling for STRING kinds (`VARCHAR(20)`), kept for the output schema. */
  readonly spelling?: string;
  readonly nullable: boolean;
}

export const MAX_DECIMAL_PRECISION = 38;

export function t(kind: Kind, nullable = true, precision?: number, scale?: number): SqlType {
  return { kind, nullable, precision, scale };
}

export function decimal(precision: number, scale: number, nullable = true): SqlType {
  return { kind: 'DECIMAL', precision, scale, nullable };
}

export function withNullable(type: SqlType, nullable: boolean): SqlType {
  return type.nullable === nullable ? type : { ...type, nullable };
}

const ALIASES: Record<string, Kind> = {
  TINYINT: 'TINYINT', SMALLINT: 'SMALLINT', INT: 'INT', INTEGER: 'INT', BIGINT: 'BIGINT',
  FLOAT: 'FLOAT', REAL: 'FLOAT', DOUBLE: 'DOUBLE', DECIMAL: 'DECIMAL', DEC: 'DECIMAL', NUMERIC: 'DECIMAL',
  BOOLEAN: 'BOOLEAN', STRING: 'STRING', VARCHAR: 'STRING', CHAR: 'STRING',
  DATE: 'DATE', TIMESTAMP: 'TIMESTAMP',
};

/**
 * Reads a type as written in a schema or FunctionDef (`INT`, `DECIMAL(10, 2)`, `TIMESTAMP(3)`,
 * `VARCHAR(20)`, `DOUBLE PRECISION`). Returns undefined when it is not a type Sluice carries.
 */
export function parseTypeName(text: string, nullable = true): SqlType | undefined {
  const m = /^\s*([A-Za-z]+(?:\s+PRECISION)?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*(?:NOT\s+NULL\s*)?$/i.exec(text);
  if (!m) return undefined;
  const word = m[1].toUpperCase().replace(/\s+PRECISION$/, '');
  const kind = ALIASES[word];
  if (!kind) return undefined;
  const p = m[2] === undefined ? undefined : Number(m[2]);
  const s = m[3] === undefined ? undefined : Number(m[3]);
  if (kind === 'DECIMAL') {
    // Flink: DECIMAL = DECIMAL(10, 0); precision 1..38, scale 0..precision.
    const precision = p ?? 10;
    const scale = s ?? 0;
    if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale > precision) return undefined;
    return decimal(precision, scale, nullable);
  }
  if (s !== undefined) return undefined;
  if (kind === 'TIMESTAMP') {
    const precision = p ?? 6;
    if (precision > 9) return undefined;
    return { kind, precision, nullable };
  }
  if (kind === 'STRING') {
    if (word === 'STRING' && p !== undefined) return undefined;
    const spelling = word === 'STRING' ? undefined : p === undefined ? word : `${word}(${p})`;
    return { kind, precision: p, spelling, nullable };
  }
  if (p !== undefined) return undefined;
  return { kind, nullable };
}

/** The type as it appears in an output schema (`Field.type`). */
export function typeName(type: SqlType): string {
  switch (type.kind) {
    case 'DECIMAL': return `DECIMAL(${type.precision ?? 10}, ${type.scale ?? 0})`;
    case 'TIMESTAMP': return `TIMESTAMP(${type.precision ?? 6})`;
    case 'STRING': return type.spelling ?? 'STRING';
    // A bare NULL column has no type of its own; Flink calls it NULL too.
    default: return type.kind;
  }
}

export function isIntegral(type: SqlType): boolean {
  return type.kind === 'TINYINT' || type.kind === 'SMALLINT' || type.kind === 'INT' || type.kind === 'BIGINT';
}

/** Carried as a JS number with int32 wrap-around semantics. */
export function isInt32(type: SqlType): boolean {
  return type.kind === 'TINYINT' || type.kind === 'SMALLINT' || type.kind === 'INT';
}

export function isApprox(type: SqlType): boolean {
  return type.kind === 'FLOAT' || type.kind === 'DOUBLE';
}

export function isNumeric(type: SqlType): boolean {
  return isIntegral(type) || isApprox(type) || type.kind === 'DECIMAL';
}

export function isTemporal(type: SqlType): boolean {
  return type.kind === 'DATE' || type.kind === 'TIMESTAMP';
}

/** An exact numeric seen as a DECIMAL (Flink: INT is DECIMAL(10, 0), BIGINT DECIMAL(19, 0)). */
export function asDecimal(type: SqlType): SqlType {
  switch (type.kind) {
    case 'TINYINT': return decimal(3, 0, type.nullable);
    case 'SMALLINT': return decimal(5, 0, type.nullable);
    case 'INT': return decimal(10, 0, type.nullable);
    case 'BIGINT': return decimal(19, 0, type.nullable);
    default: return type;
  }
}

/**
 * The type both sides of a comparison / branches of CASE / items of IN are converted to, or
 * undefined when they do not mix (STRING vs INT: Flink rejects that too).
 */
export function commonType(a: SqlType, b: SqlType): SqlType | undefined {
  const nullable = a.nullable || b.nullable;
  if (a.kind === 'NULL') return withNullable(b, true);
  if (b.kind === 'NULL') return withNullable(a, true);
  if (isNumeric(a) && isNumeric(b)) return withNullable(numericResult(a, b), nullable);
  if (a.kind === b.kind) {
    if (a.kind === 'TIMESTAMP') return t('TIMESTAMP', nullable, Math.max(a.precision ?? 6, b.precision ?? 6));
    if (a.kind === 'STRING') return a.spelling === b.spelling ? withNullable(a, nullable) : t('STRING', nullable);
    return withNullable(a, nullable);
  }
  // A string meets a date/time: the string is read as one (`ts > '2024-01-01 00:00:00'`).
  if (isTemporal(a) && b.kind === 'STRING') return withNullable(a, nullable);
  if (isTemporal(b) && a.kind === 'STRING') return withNullable(b, nullable);
  if (isTemporal(a) && isTemporal(b)) return t('TIMESTAMP', nullable, 6);
  return undefined;
}

/** Result type of + - * between two numerics before the operator's own DECIMAL rules. */
function numericResult(a: SqlType, b: SqlType): SqlType {
  if (isApprox(a) || isApprox(b)) return t('DOUBLE');
  if (a.kind === 'DECIMAL' || b.kind === 'DECIMAL') {
    const da = asDecimal(a);
    const db = asDecimal(b);
    const scale = Math.max(da.scale ?? 0, db.scale ?? 0);
    const intDigits = Math.max((da.precision ?? 10) - (da.scale ?? 0), (db.precision ?? 10) - (db.scale ?? 0));
    return decimal(Math.min(MAX_DECIMAL_PRECISION, intDigits + scale), scale);
  }
  if (a.kind === 'BIGINT' || b.kind === 'BIGINT') return t('BIGINT');
  return t('INT');
}

/** Flink's (Hive's) rule when a DECIMAL result needs more than 38 digits: keep integer digits, give up scale down to 6. */
export function boundedDecimal(precision: number, scale: number, nullable = true): SqlType {
  if (precision <= MAX_DECIMAL_PRECISION) return decimal(precision, scale, nullable);
  const intDigits = precision - scale;
  const minScale = Math.min(scale, 6);
  return decimal(MAX_DECIMAL_PRECISION, Math.max(MAX_DECIMAL_PRECISION - intDigits, minScale), nullable);
}

/** Can a value of `from` be used where `to` is expected without an explicit CAST? */
export function implicitlyConvertible(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'NULL' || from.kind === to.kind) return true;
  const c = commonType(from, to);
  return c !== undefined && c.kind === to.kind;
}

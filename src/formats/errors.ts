/**
 * Errors of the formats layer. Each names the column (field) or the format option that is
 * wrong; the caller adds where the record came from (file + line, topic/partition/offset).
 */

/** Longest piece of a raw value quoted in a message: enough to recognise it, not a dump. */
const MAX_QUOTED = 40;

/** Quote a raw value for an error message, shortened so a huge record cannot flood a log. */
export function quoteValue(text: string): string {
  const shown = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
  return `'${shown}'`;
}

/** A record that cannot be decoded into a row. `reason` says why; `field` names the column, if one is to blame. */
export class DecodeError extends Error {
  field?: string;
  reason: string;

  constructor(reason: string, field?: string) {
    super(field === undefined ? reason : `field '${field}': ${reason}`);
    this.name = 'DecodeError';
    this.reason = reason;
    if (field !== undefined) this.field = field;
  }
}

/** A row whose value cannot be written in the sink's format (e.g. a delimiter with quoting disabled and no escape character). */
export class EncodeError extends Error {
  field: string;
  reason: string;

  constructor(reason: string, field: string) {
    super(`field '${field}': ${reason}`);
    this.name = 'EncodeError';
    this.reason = reason;
    this.field = field;
  }
}

/** A format option or schema that cannot work, found when a decoder/encoder is created (before any record). */
export class FormatOptionsError extends Error {
  /** The option, as written in the IngestJob: `format.fieldDelimiter`, `schema[1].type`. */
  option: string;

  constructor(option: string, problem: string) {
    super(`${option} ${problem}`);
    this.name = 'FormatOptionsError';
    this.option = option;
  }
}

/**
 * Format options, compiled: the `format` block of an IngestJob (Flink's `csv.*` / `json.*`
 * options in camelCase) checked and normalised once, before any record is read or written.
 * Errors name the option (`format.fieldDelimiter ...`).
 */
import type { CsvFormat, JsonFormat } from '../api/types.ts';
import { FormatOptionsError } from './errors.ts';

export interface CsvOptions {
  delimiter: string;
  /** The quote character, or '' when quoting is disabled. */
  quote: string;
  /** The escape character, or '' when none is set (the default). */
  escape: string;
  allowComments: boolean;
  ignoreParseErrors: boolean;
  /** Unquoted text that stands for NULL ('' by default: an empty unquoted field is NULL). */
  nullLiteral: string;
  /** `format.header`: each file's first line names the columns. */
  header: boolean;
}

export interface JsonOptions {
  failOnMissingField: boolean;
  ignoreParseErrors: boolean;
  timestampFormat: 'SQL' | 'ISO-8601';
}

/** A single character option; YAML users often write a tab as the two characters `\t`, so that is accepted too. */
function singleChar(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (value === '\\t') return '\t';
  if (typeof value !== 'string' || value.length !== 1) {
    throw new FormatOptionsError(`format.${option}`, `must be a single character, got ${JSON.stringify(value)}`);
  }
  if (value === '\n' || value === '\r') throw new FormatOptionsError(`format.${option}`, 'cannot be a line break (records are lines)');
  return value;
}

function flag(option: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new FormatOptionsError(`format.${option}`, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

export function compileCsvOptions(format: CsvFormat): CsvOptions {
  const delimiter = singleChar('fieldDelimiter', format.fieldDelimiter, ',');
  const disableQuote = flag('disableQuoteCharacter', format.disableQuoteCharacter);
  if (disableQuote && format.quoteCharacter !== undefined) {
    throw new FormatOptionsError('format.quoteCharacter', 'cannot be set together with disableQuoteCharacter: true');
  }
  const quote = disableQuote ? '' : singleChar('quoteCharacter', format.quoteCharacter, '"');
  const escape = format.escapeCharacter === undefined ? '' : singleChar('escapeCharacter', format.escapeCharacter, '');
  if (quote === delimiter) throw new FormatOptionsError('format.quoteCharacter', `must differ from fieldDelimiter (both ${JSON.stringify(quote)})`);
  if (escape !== '' && (escape === delimiter || escape === quote)) {
    throw new FormatOptionsError('format.escapeCharacter', `must differ from fieldDelimiter and quoteCharacter (got ${JSON.stringify(escape)})`);
  }
  const nullLiteral = format.nullLiteral ?? '';
  if (typeof nullLiteral !== 'string') throw new FormatOptionsError('format.nullLiteral', 'must be a string');
  return {
    delimiter,
    quote,
    escape,
    allowComments: flag('allowComments', format.allowComments),
    ignoreParseErrors: flag('ignoreParseErrors', format.ignoreParseErrors),
    nullLiteral,
    header: flag('header', format.header),
  };
}

export function compileJsonOptions(format: JsonFormat): JsonOptions {
  const failOnMissingField = flag('failOnMissingField', format.failOnMissingField);
  const ignoreParseErrors = flag('ignoreParseErrors', format.ignoreParseErrors);
  if (failOnMissingField && ignoreParseErrors) {
    // Same rule as Flink's JsonFormatFactory: the two ask for opposite things.
    throw new FormatOptionsError('format.ignoreParseErrors', 'and format.failOnMissingField cannot both be true');
  }
  const timestampFormat = format.timestampFormat ?? 'SQL';
  if (timestampFormat !== 'SQL' && timestampFormat !== 'ISO-8601') {
    throw new FormatOptionsError('format.timestampFormat', `must be SQL or ISO-8601, got ${JSON.stringify(timestampFormat)}`);
  }
  return { failOnMissingField, ignoreParseErrors, timestampFormat };
}

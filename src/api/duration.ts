import { InvalidFieldError } from './field-error.ts';

/**
 * Durations the way Flink's `TimeUtils.parseDuration` reads them: an integer, optional
 * blanks, then a unit label (case-insensitive); no unit means milliseconds. So `1m` is one
 * MINUTE (not a month, not a metre), `30 min` has a space, and `1.5s` is not allowed.
 */
const UNIT_NANOS: ReadonlyMap<string, bigint> = new Map(
  (
    [
      [['d', 'day', 'days'], 86_400_000_000_000n],
      [['h', 'hour', 'hours'], 3_600_000_000_000n],
      [['min', 'm', 'minute', 'minutes'], 60_000_000_000n],
      [['s', 'sec', 'secs', 'second', 'seconds'], 1_000_000_000n],
      [['ms', 'milli', 'millis', 'millisecond', 'milliseconds'], 1_000_000n],
      [['µs', 'micro', 'micros', 'microsecond', 'microseconds'], 1_000n],
      [['ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds'], 1n],
    ] as const
  ).flatMap(([labels, nanos]) => labels.map((label) => [label, nanos] as const)),
);

/**
 * The same grammar as an OpenAPI `pattern` (RE2 and JavaScript agree on it), so the CRD
 * rejects what `parseDuration` would. `(?i:...)` makes only the unit case-insensitive.
 */
export const DURATION_PATTERN = `^\\s*[0-9]+\\s*(?i:${[...UNIT_NANOS.keys()].sort((a, b) => b.length - a.length).join('|')})?\\s*$`;

export const DURATION_HINT = 'must be a duration like 5s, 30 min, 1m (one minute), 500ms or 1h';

/**
 * Parses a Flink duration into milliseconds (fractional below one millisecond, for `µs`/`ns`).
 * @param field the IngestJob path named in the error, e.g. `spec.checkpoint.interval`
 * @throws InvalidFieldError naming `field` when the text is not a duration or is too large
 */
export function parseDuration(text: string, field: string): number {
  const match = /^\s*([0-9]+)\s*(\p{L}*)\s*$/u.exec(text);
  if (match === null) throw new InvalidFieldError(field, `${DURATION_HINT}; got ${JSON.stringify(text)}`);
  const [, digits, label] = match as unknown as [string, string, string];
  const unitNanos = label === '' ? 1_000_000n : UNIT_NANOS.get(label.toLowerCase());
  if (unitNanos === undefined) {
    throw new InvalidFieldError(
      field,
      `unknown time unit ${JSON.stringify(label)} in ${JSON.stringify(text)}: use d, h, min/m, s, ms, µs or ns`,
    );
  }
  const nanos = BigInt(digits) * unitNanos;
  // Beyond 2^53 ms the number type loses exactness; no interval needs 285,000 years.
  if (nanos > BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n) {
    throw new InvalidFieldError(field, `duration ${JSON.stringify(text)} is too large`);
  }
  return Number(nanos / 1_000_000n) + Number(nanos % 1_000_000n) / 1e6;
}

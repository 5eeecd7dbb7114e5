import { InvalidFieldError } from './field-error.ts';

/**
 * Sizes the way Flink's `MemorySize.parseBytes` reads them: an integer, optional blanks, a
 * case-insensitive unit; binary multiples (`2MB` is 2 * 1024 * 1024 bytes); no unit means bytes.
 */
const UNIT_BYTES: ReadonlyMap<string, bigint> = new Map(
  (
    [
      [['b', 'bytes'], 1n],
      [['k', 'kb', 'kibibytes'], 1024n],
      [['m', 'mb', 'mebibytes'], 1024n ** 2n],
      [['g', 'gb', 'gibibytes'], 1024n ** 3n],
      [['t', 'tb', 'tebibytes'], 1024n ** 4n],
    ] as const
  ).flatMap(([labels, bytes]) => labels.map((label) => [label, bytes] as const)),
);

/** OpenAPI `pattern` for the string form; the integer form (bytes) is allowed by `x-kubernetes-int-or-string`. */
export const MEMORY_SIZE_PATTERN = `^\\s*[0-9]+\\s*(?i:${[...UNIT_BYTES.keys()].sort((a, b) => b.length - a.length).join('|')})?\\s*$`;

export const MEMORY_SIZE_HINT = 'must be a size like 2MB, 128mb, 512kb or 1g (binary units), or an integer of bytes';

/**
 * Parses a Flink memory size into bytes.
 * @param field the IngestJob path named in the error, e.g. `spec.sink.rollingPolicy.fileSize`
 * @throws InvalidFieldError naming `field` for bad text, negative or non-integer numbers, or sizes beyond 2^53
 */
export function parseMemorySize(value: string | number, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidFieldError(field, `${MEMORY_SIZE_HINT}; got ${value}`);
    }
    return value;
  }
  const match = /^\s*([0-9]+)\s*(\p{L}*)\s*$/u.exec(value);
  if (match === null) throw new InvalidFieldError(field, `${MEMORY_SIZE_HINT}; got ${JSON.stringify(value)}`);
  const [, digits, label] = match as unknown as [string, string, string];
  const unit = label === '' ? 1n : UNIT_BYTES.get(label.toLowerCase());
  if (unit === undefined) {
    throw new InvalidFieldError(
      field,
      `unknown size unit ${JSON.stringify(label)} in ${JSON.stringify(value)}: use b, kb, mb, gb or tb`,
    );
  }
  const bytes = BigInt(digits) * unit;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidFieldError(field, `size ${JSON.stringify(value)} is too large`);
  }
  return Number(bytes);
}

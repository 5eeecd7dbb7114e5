import { InvalidFieldError } from '../../api/field-error.ts';

const FIELD = 'spec.source.kafka.startupSpecificOffsets';

/**
 * Parses Flink's `scan.startup.specific-offsets` syntax, `partition:0,offset:42;partition:1,offset:300`,
 * into partition → offset. Blanks around items are allowed; a trailing `;` is ignored.
 * @throws InvalidFieldError naming `spec.source.kafka.startupSpecificOffsets`
 */
export function parseSpecificOffsets(text: string, field = FIELD): Map<number, number> {
  const out = new Map<number, number>();
  const items = text.split(';').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new InvalidFieldError(field, 'must list at least one `partition:N,offset:M`');
  for (const item of items) {
    const m = /^partition\s*:\s*(\d+)\s*,\s*offset\s*:\s*(\d+)$/u.exec(item);
    if (m === null) {
      throw new InvalidFieldError(field, `${JSON.stringify(item)} is not of the form partition:N,offset:M (Flink syntax: partition:0,offset:42;partition:1,offset:300)`);
    }
    const partition = Number(m[1]);
    const offset = Number(m[2]);
    if (!Number.isSafeInteger(offset)) throw new InvalidFieldError(field, `offset ${m[2]} of partition ${partition} is too large`);
    if (out.has(partition)) throw new InvalidFieldError(field, `partition ${partition} is listed twice`);
    out.set(partition, offset);
  }
  return out;
}

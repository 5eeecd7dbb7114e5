/**
 * Finding invalid UTF-8 in raw records, so a source can report it as a bad record instead of
 * letting the decode turn it into U+FFFD silently.
 *
 * The check is split in two on purpose: a source runs the native `buffer.isUtf8` once over a
 * whole chunk of bytes (simdutf, several GB/s), and only when that fails does it call
 * `invalidUtf8Lines` to find which records are to blame, with this byte-by-byte validator.
 */

/** Where a record's bytes stop being UTF-8 (RawBatch.invalidUtf8). */
export interface InvalidUtf8 {
  /** UTF-16 index in the decoded value where the first invalid sequence begins (the value holds U+FFFD there). */
  at: number;
  /** Byte offset of that sequence within the record. */
  byteOffset: number;
  /** The offending bytes, as `0xC3 0x28` (at most four). */
  bytes: string;
  /** Length of the record in bytes as read (the decoded text is longer: each bad byte became a 3-byte U+FFFD). */
  rawBytes: number;
}

const LF = 10;

function isCont(b: number | undefined): boolean {
  return b !== undefined && b >= 0x80 && b <= 0xbf;
}

/**
 * Length of the well-formed UTF-8 sequence at buf[i] (Unicode Table 3-7), or 0 if none starts
 * there. `end` bounds the sequence: a sequence cut by it is not well formed.
 */
function sequenceLength(buf: Uint8Array, i: number, end: number): number {
  const b = buf[i]!;
  if (b < 0x80) return 1;
  const b1 = i + 1 < end ? buf[i + 1] : undefined;
  const b2 = i + 2 < end ? buf[i + 2] : undefined;
  const b3 = i + 3 < end ? buf[i + 3] : undefined;
  if (b >= 0xc2 && b <= 0xdf) return isCont(b1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const lo = b === 0xe0 ? 0xa0 : 0x80;
    const hi = b === 0xed ? 0x9f : 0xbf; // 0xED 0xA0.. would be a UTF-16 surrogate
    return b1 !== undefined && b1 >= lo && b1 <= hi && isCont(b2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const lo = b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xf4 ? 0x8f : 0xbf; // above U+10FFFF otherwise
    return b1 !== undefined && b1 >= lo && b1 <= hi && isCont(b2) && isCont(b3) ? 4 : 0;
  }
  return 0;
}

/** Byte index of the first invalid UTF-8 sequence in buf[start, end), or -1 if there is none. */
export function firstInvalidUtf8(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    if (buf[i]! < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(buf, i, end);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

function hexBytes(buf: Uint8Array, i: number, end: number): string {
  const out: string[] = [];
  for (let k = i; k < Math.min(end, i + 4); k++) {
    const b = buf[k]!;
    if (k > i && !isCont(b)) break;
    out.push(`0x${b.toString(16).toUpperCase().padStart(2, '0')}`);
  }
  return out.join(' ');
}

/** Where one record, buf[start, end), stops being UTF-8, or null if it is valid throughout. */
export function invalidUtf8Of(buf: Uint8Array, start: number, end: number): InvalidUtf8 | null {
  const bad = firstInvalidUtf8(buf, start, end);
  if (bad < 0) return null;
  const at = Buffer.from(buf.buffer, buf.byteOffset + start, bad - start).toString('utf8').length;
  return { at, byteOffset: bad - start, bytes: hexBytes(buf, bad, end), rawBytes: end - start };
}

/**
 * The records of buf[start, end) (separated by '\n', none after the last) that are not valid
 * UTF-8, by index from 0. Call it only once `isUtf8` has failed for the range: it reads byte by byte.
 */
export function invalidUtf8Lines(buf: Uint8Array, start: number, end: number): Map<number, InvalidUtf8> {
  const out = new Map<number, InvalidUtf8>();
  let lineStart = start;
  for (let index = 0; ; index++) {
    let nl = buf.indexOf(LF, lineStart);
    if (nl < 0 || nl > end) nl = end;
    const bad = invalidUtf8Of(buf, lineStart, nl);
    if (bad !== null) out.set(index, bad);
    if (nl >= end) return out;
    lineStart = nl + 1;
  }
}

/** The reason a DecodeError gives for a record that is not UTF-8. */
export function invalidUtf8Reason(bad: InvalidUtf8): string {
  return `is not valid UTF-8: ${bad.bytes} at byte ${bad.byteOffset} of the record`;
}

/**
 * Whether raw text bytes hold a control character (a byte below 0x20) other than the line feed
 * that separates records. A source that knows its records are free of them says so on the batch
 * (RawBatch.noControlChars), and the JSON decoder skips its own per-record check, which costs
 * about 1 ns a character in a regular expression; this one reads four bytes at a time (UTF-8
 * multi-byte sequences never hold a byte below 0x80, so they cannot look like one).
 */

const LF = 10;

function isControl(b: number): boolean {
  return b < 32 && b !== LF;
}

/** True if buf[start, end) holds a byte below 0x20 other than '\n'. */
export function hasControlBytes(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  // bytewise up to a 4-byte boundary of the underlying memory
  while (i < end && ((buf.byteOffset + i) & 3) !== 0) if (isControl(buf[i++]!)) return true;
  const words = (end - i) >> 2;
  if (words > 0) {
    const w = new Int32Array(buf.buffer, buf.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      const x = w[k]!;
      // "has a byte less than 0x20" (Bit Twiddling Hacks, hasless): exact, no false positives
      // except for '\n' itself, which the bytewise check below clears.
      if (((x - 0x20202020) & ~x & 0x80808080) !== 0) {
        const j = i + (k << 2);
        if (isControl(buf[j]!) || isControl(buf[j + 1]!) || isControl(buf[j + 2]!) || isControl(buf[j + 3]!)) return true;
      }
    }
    i += words << 2;
  }
  while (i < end) if (isControl(buf[i++]!)) return true;
  return false;
}

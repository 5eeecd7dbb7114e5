/**
 * HASH_CODE(value): Java's hashCode of the value, an INT. For text this is
 * String.hashCode over UTF-16 units (s[0]*31^(n-1) + ... in int arithmetic), the same hash the
 * Kafka partition ownership uses (docs/architecture.md, "Source"); BIGINT is Long.hashCode, DOUBLE Double.hashCode,
 * BOOLEAN 1231/1237; DECIMAL, DATE and TIMESTAMP hash their text.
 */
export function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export function bigintHash(v: bigint): number {
  const bits = BigInt.asUintN(64, v);
  return Number(BigInt.asIntN(32, bits ^ (bits >> 32n)));
}

const view = new DataView(new ArrayBuffer(8));
export function doubleHash(d: number): number {
  view.setFloat64(0, Number.isNaN(d) ? NaN : d);
  return (view.getInt32(0) ^ view.getInt32(4)) | 0;
}

export function hashCode(v: string | number | bigint | boolean, approx: boolean): number {
  switch (typeof v) {
    case 'string': return stringHash(v);
    case 'bigint': return bigintHash(v);
    case 'boolean': return v ? 1231 : 1237;
    default: return approx ? doubleHash(v) : v | 0;
  }
}

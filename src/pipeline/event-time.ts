/** Event time of a TIMESTAMP value (`YYYY-MM-DD HH:MM:SS[.fff]`, UTC) in epoch ms. */
export function parseTimestampMs(v: string): number {
  // Date.parse accepts the ISO form; the SQL form differs only by the separator.
  const t = Date.parse((v.length > 10 && v[10] === ' ' ? v.slice(0, 10) + 'T' + v.slice(11) : v) + 'Z');
  return Number.isNaN(t) ? -Infinity : t;
}

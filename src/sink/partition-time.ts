/**
 * Flink's default PartitionTimeExtractor: fill `timestampPattern` (`$dt $hour:00:00`) from the
 * partition values (no pattern: the first value), then parse it with a Java-style formatter
 * (`yyyy-MM-dd HH:mm:ss`, `yyyyMMdd`...) in the given time zone.
 */
import { SluiceError } from '../errors.ts';
import { parsePartitionPath } from './partition-path.ts';

const FIELDS: Record<string, { re: string; key: 'y' | 'M' | 'd' | 'H' | 'm' | 's' }> = {
  yyyy: { re: '(\\d{4})', key: 'y' },
  MM: { re: '(\\d{2})', key: 'M' },
  dd: { re: '(\\d{2})', key: 'd' },
  HH: { re: '(\\d{2})', key: 'H' },
  mm: { re: '(\\d{2})', key: 'm' },
  ss: { re: '(\\d{2})', key: 's' },
};

const compiled = new Map<string, { re: RegExp; keys: Array<'y' | 'M' | 'd' | 'H' | 'm' | 's'> }>();

function compileFormatter(f: string): { re: RegExp; keys: Array<'y' | 'M' | 'd' | 'H' | 'm' | 's'> } {
  let c = compiled.get(f);
  if (c) return c;
  let re = '^';
  const keys: Array<'y' | 'M' | 'd' | 'H' | 'm' | 's'> = [];
  for (let i = 0; i < f.length; ) {
    const tok = Object.keys(FIELDS).find((t) => f.startsWith(t, i));
    if (tok) {
      re += FIELDS[tok]!.re;
      keys.push(FIELDS[tok]!.key);
      i += tok.length;
    } else {
      re += f[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  c = { re: new RegExp(re + '$'), keys };
  compiled.set(f, c);
  return c;
}

/** The letters of `formatter` that are not one of FIELDS, or a missing date field: why it cannot work, or null. */
export function formatterProblem(formatter: string): string | null {
  const seen = new Set<string>();
  for (let i = 0; i < formatter.length; ) {
    const tok = Object.keys(FIELDS).find((t) => formatter.startsWith(t, i));
    if (tok !== undefined) {
      seen.add(tok);
      i += tok.length;
      continue;
    }
    // Java's DateTimeFormatter reserves every letter (and quotes them for literals); a letter
    // outside the tokens below would be taken as text here, and no partition would ever match.
    if (/[A-Za-z']/.test(formatter[i]!)) {
      const run = /^([A-Za-z])\1*/.exec(formatter.slice(i))?.[0] ?? formatter[i]!;
      return `${JSON.stringify(run)} at position ${i + 1} is not supported (use ${Object.keys(FIELDS).join(' ')} and punctuation)`;
    }
    i++;
  }
  const missing = ['yyyy', 'MM', 'dd'].filter((t) => !seen.has(t));
  return missing.length === 0 ? null : `has no ${missing.join(', ')}: a partition time needs a date`;
}

const OFFSET_ZONE = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$/;

/** Why `zone` is not a time zone zoneOffset understands, or null. */
export function zoneProblem(zone: string): string | null {
  if (zone === 'UTC' || zone === 'Z' || zone === 'GMT' || OFFSET_ZONE.test(zone)) return null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    return `${JSON.stringify(zone)} is not a time zone (UTC, +08:00, or an IANA name such as Asia/Shanghai)`;
  }
}

/** Offset (ms) of `zone` at the given UTC instant: UTC, ±HH:MM, or an IANA name. */
function zoneOffset(zone: string, utcMs: number): number {
  if (zone === 'UTC' || zone === 'Z' || zone === 'GMT') return 0;
  const m = OFFSET_ZONE.exec(zone);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60000;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

export function parseLocalTime(text: string, formatter: string, zone: string): number {
  const { re, keys } = compileFormatter(formatter);
  const m = re.exec(text);
  if (!m) throw new SluiceError(`partition time '${text}' does not match formatter '${formatter}'`);
  const v = { y: 1970, M: 1, d: 1, H: 0, m: 0, s: 0 };
  keys.forEach((k, i) => (v[k] = Number(m[i + 1])));
  const wall = Date.UTC(v.y, v.M - 1, v.d, v.H, v.m, v.s);
  // two passes settle DST transitions
  let t = wall - zoneOffset(zone, wall);
  t = wall - zoneOffset(zone, t);
  return t;
}

export function partitionTimeOf(partition: string, pattern: string | null, formatter: string, zone: string): number {
  const values = parsePartitionPath(partition);
  let text: string;
  if (pattern === null) {
    const first = values.values().next();
    text = first.done || first.value === null ? '' : first.value;
  } else {
    text = pattern.replace(/\$(\w+)/g, (_, k: string) => {
      if (!values.has(k)) throw new SluiceError(`spec.sink.partitionCommit.timestampPattern: partition column '${k}' is not in ${partition}`);
      return values.get(k) ?? '';
    });
  }
  return parseLocalTime(text, formatter, zone);
}

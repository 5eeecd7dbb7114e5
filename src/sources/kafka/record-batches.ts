import { isUtf8 } from 'node:buffer';
import { invalidUtf8Of, type InvalidUtf8 } from '../../formats/invalid-utf8.ts';
import { compressionsAlgorithmsByBitmask, crc32c } from '@platformatic/kafka';
import { KafkaSourceError } from './errors.ts';

/** One aborted transaction in a fetch response (read_committed): its producer and first offset. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: number;
}

/**
 * The records of one partition taken from one fetch response, in offset order: the values as
 * text, and their offsets only where they are not consecutive from `first`.
 */
export interface DecodedRecords {
  values: string[];
  /** Offset of each value, or null when value i is at `first + i` (the usual case). */
  offsets: number[] | null;
  first: number;
  /** Offset after the last record batch decoded (past control records, aborted and skipped records). */
  end: number;
  /** Null-valued records skipped. */
  tombstones: number;
  /** No complete record batch was in the bytes: the next one is larger than what was asked for. */
  truncated: boolean;
  /** No value holds a byte below 0x20 (so no raw control character): the JSON decoder may skip that check. */
  controlFree: boolean;
  /** Values whose bytes are not UTF-8, by index in `values` (they hold U+FFFD there): bad records (RawBatch.invalidUtf8). */
  invalid: Map<number, InvalidUtf8> | null;
}

export interface DecodeOptions {
  topic: string;
  partition: number;
  /** First offset wanted (a batch may start before it: the broker returns whole batches). */
  from: number;
  /** First offset not wanted (bounded mode); MAX_SAFE_INTEGER when unbounded. */
  stop: number;
  /** From the fetch response: aborted transactions to skip (read_committed), ascending by first offset. */
  aborted: readonly AbortedTransaction[] | null;
}

const BATCH_HEADER = 61;
const ATTR_COMPRESSION = 0x07;
const ATTR_TRANSACTIONAL = 0x10;
const ATTR_CONTROL = 0x20;
/** Offsets stay far below 2^53; reading the high word as a plain multiple is exact. */
const TWO_32 = 4294967296;

function int64(b: Buffer, at: number): number {
  return b.readInt32BE(at) * TWO_32 + b.readUInt32BE(at + 4);
}

/**
 * Decodes the raw `records` bytes of one partition of a fetch response: a run of Kafka record
 * batches (magic 2), whole batches at a time, straight from the fetched buffer.
 *
 * Why not the client's decoder: @platformatic/kafka turns every record into an object (key,
 * value and header Buffers, bigint offset and timestamp) before it hands a response over. Here a
 * batch costs one pass over its bytes: per record only the value's byte range is noted, then the
 * values of an all-ASCII batch are cut from one latin1 decode of the batch (one call into C++ per
 * batch instead of one per value); other batches decode value by value. Offsets are kept as a
 * first offset plus a count while they are consecutive, and only spelled out where there are gaps
 * (compaction, control records, aborted transactions, tombstones).
 *
 * Each batch's CRC32C is checked first (the client's native or WebAssembly crc32c).
 * Compressed batches (gzip, snappy, lz4, zstd) are inflated with the client's codecs (zlib for
 * gzip/zstd, its WebAssembly snappy and lz4). Control batches (transaction markers) and, under
 * read_committed, batches of aborted transactions are skipped the way Kafka's Java consumer does.
 */
export function decodeRecordBatches(bytes: Buffer, o: DecodeOptions): DecodedRecords {
  const out: DecodedRecords = { values: [], offsets: null, first: -1, end: o.from, tombstones: 0, truncated: false, controlFree: true, invalid: null };
  const aborted = o.aborted ?? [];
  let nextAborted = 0;
  const abortedProducers = new Set<bigint>();
  let pos = 0;
  let complete = 0;
  while (bytes.length - pos >= 12) {
    const size = 12 + bytes.readInt32BE(pos + 8);
    if (size > bytes.length - pos) break; // the response ends inside this batch
    complete++;
    const base = int64(bytes, pos);
    const magic = bytes.readInt8(pos + 16);
    if (magic !== 2) {
      throw new KafkaSourceError(`topic ${o.topic} partition ${o.partition} offset ${base}: record batch format v${magic} is not supported (Kafka 0.11+ writes v2)`, {
        topic: o.topic,
        partition: o.partition,
      });
    }
    // Kafka's Java consumer checks every batch (check.crcs=true); so do we: damaged bytes
    // must fail naming where, never be decoded into wrong values.
    if ((crc32c(bytes.subarray(pos + 21, pos + size)) >>> 0) !== bytes.readUInt32BE(pos + 17)) {
      throw new KafkaSourceError(`topic ${o.topic} partition ${o.partition} offset ${base}: record batch fails its CRC32C check (damaged in transit or on the broker)`, {
        topic: o.topic,
        partition: o.partition,
      });
    }
    const attributes = bytes.readInt16BE(pos + 21);
    const last = base + bytes.readInt32BE(pos + 23);
    const batchEnd = pos + size;
    if (last < o.from) {
      pos = batchEnd;
      continue;
    }
    if (base >= o.stop) break;
    let skip = (attributes & ATTR_CONTROL) !== 0;
    if ((attributes & ATTR_TRANSACTIONAL) !== 0 && aborted.length > 0) {
      const producerId = bytes.readBigInt64BE(pos + 43);
      while (nextAborted < aborted.length && (aborted[nextAborted] as AbortedTransaction).firstOffset <= last) {
        abortedProducers.add((aborted[nextAborted] as AbortedTransaction).producerId);
        nextAborted++;
      }
      if (abortedProducers.has(producerId)) {
        // An aborted transaction's records, up to and including its abort marker.
        if ((attributes & ATTR_CONTROL) !== 0) abortedProducers.delete(producerId);
        skip = true;
      }
    }
    if (!skip) {
      const count = bytes.readInt32BE(pos + 57);
      const codec = attributes & ATTR_COMPRESSION;
      let records = bytes;
      let at = pos + BATCH_HEADER;
      let recordsEnd = batchEnd;
      if (codec !== 0) {
        const algorithm = (compressionsAlgorithmsByBitmask as Record<number, { decompressSync(data: Buffer): Buffer } | undefined>)[codec];
        if (algorithm === undefined) {
          throw new KafkaSourceError(`topic ${o.topic} partition ${o.partition} offset ${base}: record batch uses unknown compression ${codec}`, { topic: o.topic, partition: o.partition });
        }
        records = algorithm.decompressSync(bytes.subarray(at, batchEnd));
        at = 0;
        recordsEnd = records.length;
      }
      readRecords(records, at, recordsEnd, count, base, o, out);
    }
    out.end = Math.min(last + 1, o.stop);
    pos = batchEnd;
  }
  if (complete === 0 && bytes.length > 0) out.truncated = true;
  return out;
}

/** Value byte ranges of one batch, reused across calls (the runner is single-threaded). */
let starts = new Int32Array(1024);
let ends = new Int32Array(1024);
let offs = new Float64Array(1024);

/** Read position of `varint`/`skipVarint` (module state, so a varint read allocates nothing). */
let cur = 0;

/** Zig-zag varint at `cur` (Kafka's record fields); advances `cur`. */
function varint(b: Buffer): number {
  let byte = b[cur++] as number;
  let u = byte & 0x7f;
  let scale = 128;
  while ((byte & 0x80) !== 0) {
    byte = b[cur++] as number;
    u += (byte & 0x7f) * scale;
    scale *= 128;
  }
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

function skipVarint(b: Buffer): void {
  while (((b[cur++] as number) & 0x80) !== 0);
}

function readRecords(b: Buffer, at: number, end: number, count: number, base: number, o: DecodeOptions, out: DecodedRecords): void {
  if (starts.length < count) {
    starts = new Int32Array(count * 2);
    ends = new Int32Array(count * 2);
    offs = new Float64Array(count * 2);
  }
  let n = 0;
  let lo = end;
  let hi = at;
  cur = at;
  for (let r = 0; r < count && cur < end; r++) {
    const length = varint(b);
    const next = cur + length;
    cur += 1; // attributes
    skipVarint(b); // timestamp delta
    const delta = varint(b);
    const keyLength = varint(b);
    if (keyLength > 0) cur += keyLength;
    const valueLength = varint(b);
    const offset = base + delta;
    const valueStart = cur;
    cur = next;
    if (offset < o.from) continue;
    if (offset >= o.stop) break;
    if (valueLength < 0) {
      out.tombstones++;
      continue;
    }
    // One pass over the value's bytes tells both whether it is ASCII and whether it holds a
    // control byte (what formats/control-bytes.ts would otherwise look for in the text).
    let bits = 0;
    let control = false;
    for (let j = valueStart, e = valueStart + valueLength; j < e; j++) {
      const x = b[j] as number;
      bits |= x;
      if (x < 0x20) control = true;
    }
    if (control) out.controlFree = false;
    starts[n] = valueStart;
    // A non-ASCII value is marked by a negative end: it is decoded as UTF-8 on its own.
    ends[n] = (bits & 0x80) === 0 ? valueStart + valueLength : -(valueStart + valueLength);
    offs[n] = offset;
    if (valueStart < lo) lo = valueStart;
    if (valueStart + valueLength > hi) hi = valueStart + valueLength;
    n++;
  }
  if (n === 0) return;
  const values = out.values;
  // One latin1 decode (byte i → char i) of the span holding the values; an ASCII value is then
  // a substring of it, exact because ASCII bytes are their own characters.
  const text = hi > lo ? b.toString('latin1', lo, hi) : '';
  let offsets = out.offsets;
  if (out.first < 0) out.first = offs[0] as number;
  for (let i = 0; i < n; i++) {
    const a = starts[i] as number;
    const z = ends[i] as number;
    const offset = offs[i] as number;
    if (offsets === null && offset !== out.first + values.length) {
      offsets = [];
      for (let k = 0; k < values.length; k++) offsets.push(out.first + k);
      out.offsets = offsets;
    }
    if (z < 0 && !isUtf8(b.subarray(a, -z))) {
      // Only a non-ASCII value can be malformed; the native check is one call, the byte walk
      // that says where runs only for the bad one.
      (out.invalid ??= new Map()).set(values.length, invalidUtf8Of(b, a, -z)!);
    }
    values.push(z >= 0 ? text.substring(a - lo, z - lo) : b.toString('utf8', a, -z));
    if (offsets !== null) offsets.push(offset);
  }
}

/**
 * The two roles a format plays in a pipeline (Flink's DeserializationSchema and
 * SerializationSchema, batch-shaped): the source side decodes raw records into rows, the sink
 * side encodes rows into lines of a part file.
 */
import type { Row } from '../api/types.ts';
import { DecodeError } from './errors.ts';
import { invalidUtf8Reason, type InvalidUtf8 } from './invalid-utf8.ts';

export interface Decoder {
  /**
   * Decode a batch of raw records (text lines / message values) into rows, typed by the schema.
   * Empty records (and, with allowComments, `#` lines) are skipped: they are not data.
   * Bad records: calls onError(i, err) and skips the record when it returns normally; an error
   * it throws aborts the batch. With `ignoreParseErrors` a bad record is skipped WITHOUT calling
   * onError and counted in `skippedRecords` instead. Returns the number of rows pushed to out.
   * `noControlChars`: the source vouches that no value holds a raw control character (a char
   * below U+0020), so a decoder may skip checking for them (RawBatch.noControlChars).
   * `invalidUtf8`: records whose bytes were not UTF-8 (RawBatch.invalidUtf8). Each is a bad
   * record whose DecodeError names the field holding the bad bytes; it is never decoded, so no
   * U+FFFD the source's decode put in its place can reach a row.
   */
  decodeBatch(
    values: string[], out: Row[], onError: (index: number, err: DecodeError) => void,
    noControlChars?: boolean, invalidUtf8?: ReadonlyMap<number, InvalidUtf8>,
  ): number;
  /**
   * Records dropped because the format's `ignoreParseErrors` is set, since this decoder was
   * created. Read it after each batch to count skipped records (never drop silently).
   */
  readonly skippedRecords: number;
}

export interface Encoder {
  /**
   * Encode one row as a full line including the trailing '\n'. Only the given column indexes
   * are written (the sink leaves partition columns out of the body), in that order.
   * Throws EncodeError for a value the format cannot represent.
   */
  encode(row: Row): string;
  /** A line written first in every part file, '\n' included (the CSV header), if the format has one. */
  readonly header?: string;
}

/**
 * The batch loop both decoders share: each record through `decodeRecord`, bad ones reported or
 * (with `ignoreParseErrors`) counted. Subclasses only say how one record becomes a row.
 */
export abstract class RecordDecoder implements Decoder {
  skippedRecords = 0;
  protected abstract readonly ignoreParseErrors: boolean;

  /** One record → a row, or null for a record that is not data. Throws DecodeError. */
  abstract decodeRecord(value: string, noControlChars?: boolean): Row | null;

  /** The column whose text holds the char at `at` of the record, if one can be told. */
  abstract fieldAt(value: string, at: number): string | undefined;

  decodeBatch(
    values: string[], out: Row[], onError: (index: number, err: DecodeError) => void,
    noControlChars = false, invalidUtf8?: ReadonlyMap<number, InvalidUtf8>,
  ): number {
    let written = 0;
    for (let i = 0; i < values.length; i++) {
      let row: Row | null;
      try {
        const bad = invalidUtf8 === undefined ? undefined : invalidUtf8.get(i);
        if (bad !== undefined) throw new DecodeError(invalidUtf8Reason(bad), this.fieldAt(values[i]!, bad.at));
        row = this.decodeRecord(values[i]!, noControlChars);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        if (this.ignoreParseErrors) this.skippedRecords++;
        else onError(i, e);
        continue;
      }
      if (row !== null) {
        out.push(row);
        written++;
      }
    }
    return written;
  }
}

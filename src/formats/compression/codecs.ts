/**
 * The stream codecs of CSV and JSON part files and inputs (`format.compression`), from Node's
 * own zlib: gzip (Hadoop's GzipCodec, `.gz`) and zstd (Hadoop's ZStandardCodec, `.zst`). The
 * extension names the codec, as Hadoop, Spark, Hive and DuckDB expect.
 */
import { constants, createGunzip, createGzip, createZstdCompress, createZstdDecompress, type ZlibOptions, type ZstdOptions } from 'node:zlib';
import type { Transform } from 'node:stream';
import { FormatOptionsError } from '../errors.ts';

export type StreamCodec = 'gzip' | 'zstd';
export type Compression = StreamCodec | 'none';

export const EXTENSIONS: Readonly<Record<StreamCodec, string>> = { gzip: '.gz', zstd: '.zst' };

/** `format.compression` of a CSV/JSON format, checked: the codec, or null for none. */
export function streamCodecOf(format: { compression?: unknown }): StreamCodec | null {
  const c = format.compression ?? 'none';
  if (c === 'none') return null;
  if (c === 'gzip' || c === 'zstd') return c;
  throw new FormatOptionsError('format.compression', `must be gzip, zstd or none, got ${JSON.stringify(c)}`);
}

/** The codec an input file is compressed with, by its name (`.gz`, `.zst`), or null. */
export function codecOfPath(path: string): StreamCodec | null {
  if (path.endsWith('.gz')) return 'gzip';
  if (path.endsWith('.zst')) return 'zstd';
  return null;
}

/**
 * gzip at zlib's default level 6 (what Hadoop's GzipCodec and `gzip` write); zstd at its
 * default level 3 with the content checksum on, so a damaged file fails its read instead of
 * yielding wrong bytes (gzip always carries a CRC-32).
 */
export function compressor(codec: StreamCodec): Transform {
  if (codec === 'gzip') return createGzip({ level: constants.Z_DEFAULT_COMPRESSION } satisfies ZlibOptions);
  return createZstdCompress({ params: { [constants.ZSTD_c_checksumFlag]: 1 } } satisfies ZstdOptions);
}

/**
 * Native memory one compressing stream holds (the sink counts it in its memory budget): 200
 * streams each given 12 KB held ~242 KiB each for gzip (deflate's 32 KiB window, hash chains
 * and buffers at memLevel 8), ~835 KiB for zstd at level 3, whose window grows with the input.
 */
export const CODEC_STATE_BYTES: Readonly<Record<StreamCodec, number>> = { gzip: 256 << 10, zstd: 1 << 20 };

export function decompressor(codec: StreamCodec): Transform {
  return codec === 'gzip' ? createGunzip() : createZstdDecompress();
}

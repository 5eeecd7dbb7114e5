/** Compressed CSV/JSON part files and inputs (README.md): codecs, the sink's writer, the source's reader. */
export { codecOfPath, EXTENSIONS, streamCodecOf, type Compression, type StreamCodec } from './codecs.ts';
export { CompressedPartWriter } from './compressed-part-writer.ts';
export { decompressedStream } from './decompressed-stream.ts';

/**
 * Reading a compressed input (`.gz`, `.zst`): the file's bytes through the decompressor, from
 * the start of the file, dropping the first `skip` decompressed bytes.
 *
 * How a compressed input resumes: a gzip or zstd stream cannot be entered in the middle, so
 * the file source's position in such a file counts decompressed bytes (and lines, as for any
 * file); a restore decompresses the file again from its first byte and skips that many bytes.
 * That re-reads (and re-decompresses) the part before the position, but never re-emits a
 * record. A truncated or damaged stream fails naming the file: gzip's CRC-32 and length
 * trailer and zstd's frame checksum (when the writer set it, as Sluice does) are checked.
 */
import { Readable } from 'node:stream';
import { SluiceError } from '../../errors.ts';
import { decompressor, type StreamCodec } from './codecs.ts';

export async function* decompressedStream(source: AsyncIterable<Uint8Array>, codec: StreamCodec, skip: number, file: string): AsyncGenerator<Uint8Array> {
  const z = decompressor(codec);
  const input = Readable.from(source, { objectMode: false });
  input.on('error', (e) => z.destroy(e));
  input.pipe(z);
  let toSkip = skip;
  try {
    for await (const piece of z as AsyncIterable<Buffer>) {
      if (toSkip >= piece.length) {
        toSkip -= piece.length;
        continue;
      }
      yield toSkip > 0 ? piece.subarray(toSkip) : piece;
      toSkip = 0;
    }
  } catch (e) {
    if (e instanceof SluiceError) throw e;
    throw new SluiceError(`file ${file}: cannot decompress (${codec}): ${(e as Error).message}`);
  } finally {
    input.destroy();
    z.destroy();
  }
  if (toSkip > 0) throw new SluiceError(`file ${file}: the checkpoint resumes at decompressed byte ${skip}, but the file holds only ${skip - toSkip} (was it replaced?)`);
}

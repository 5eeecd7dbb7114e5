/**
 * An in-progress part file on HDFS: a hidden temp file `.<name>.inprogress.<uuid>` beside
 * its target, written in large requests.
 *
 * Why buffer: measured against MiniDFSCluster (README.md here; test/hdfs/write-throughput.ts), one CREATE of 64 MiB
 * runs at 175-230 MiB/s, while each APPEND costs a fixed ~175-370 ms (reopen the last block,
 * close, wait for the block report): 0.3-0.4 MiB/s in 64 KiB appends, 22-36 MiB/s in 8 MiB ones.
 * So bytes are held in memory up to `bufferBytes`; a part file smaller than that (the usual
 * case, since files roll at every checkpoint) is one CREATE at closeForCommit. A bigger one
 * is CREATEd at the first full buffer and APPENDed one full buffer at a time. Memory per
 * open part file is bounded by `bufferBytes`.
 *
 * CREATE uses overwrite=true: the temp name is unique to this writer, so repeating it is
 * harmless and it is retried across a NameNode restart. APPEND is not retried (a lost
 * answer leaves an unknown length): the writer fails and the job restores from its last
 * checkpoint, where this file was never referenced.
 *
 * Durable: closeForCommit returns only after the DataNode answered the last request, which
 * it does after closing the HDFS file (data on the DataNodes, length final at the NameNode).
 */
import type { PartWriter, PendingFile } from '../types.ts';
import { StorageError } from '../errors.ts';
import type { WebHdfsClient } from './webhdfs-client.ts';

/** What an HDFS pending file records: the final URI, the temp URI, and the exact length. */
export interface HdfsPendingFile extends PendingFile {
  /** URI of the hidden in-progress file. */
  temp: string;
}

export class HdfsPartWriter implements PartWriter {
  bytes = 0;
  private readonly client: WebHdfsClient;
  private readonly target: string;
  private readonly temp: string;
  private readonly tempPath: string;
  private readonly bufferBytes: number;
  private buffered: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Bytes of the CREATE/APPEND in flight (held until it answers). */
  private sendingBytes = 0;
  private created = false;
  private state: 'open' | 'closed' | 'failed' = 'open';
  /** The CREATE/APPEND in flight: one at a time per file (appends are ordered), overlapping the pipeline's work. */
  private inFlight: Promise<void> | null = null;

  constructor(client: WebHdfsClient, target: string, temp: string, tempPath: string, bufferBytes: number) {
    this.client = client;
    this.target = target;
    this.temp = temp;
    this.tempPath = tempPath;
    this.bufferBytes = bufferBytes;
  }

  /** Memory held: bytes waiting for their request, and those of the request in flight. */
  get bufferedBytes(): number {
    return this.pendingBytes + this.sendingBytes;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.assertOpen('write');
    this.buffered.push(chunk); // handed over (PartWriter.write): kept, not copied
    this.pendingBytes += chunk.length;
    this.bytes += chunk.length;
    if (this.pendingBytes >= this.bufferBytes) {
      await this.inFlight; // backpressure: at most one upload in flight plus one buffer filling
      this.assertOpen('write');
      this.inFlight = this.flush();
      this.inFlight.catch(() => {}); // surfaced by the next write/closeForCommit (state 'failed')
    }
  }

  async closeForCommit(): Promise<HdfsPendingFile> {
    const { pending, durable } = await this.seal();
    await durable;
    return pending;
  }

  /** The pending file is known once the last request is sent: its names and the bytes accepted. */
  async seal(): Promise<{ pending: HdfsPendingFile; durable: Promise<void> }> {
    await this.inFlight;
    this.inFlight = null;
    this.assertOpen('closeForCommit');
    const durable = !this.created || this.pendingBytes > 0 ? this.flush() : Promise.resolve();
    durable.catch(() => {}); // the caller awaits it
    this.state = 'closed';
    return { pending: { target: this.target, temp: this.temp, bytes: this.bytes }, durable };
  }

  async abort(): Promise<void> {
    await this.inFlight?.catch(() => {});
    this.state = 'closed';
    this.buffered = [];
    this.pendingBytes = 0;
    if (this.created) await this.client.delete(this.tempPath).catch(() => false);
  }

  private assertOpen(what: string): void {
    if (this.state !== 'open') throw new StorageError(`${what} on ${this.state} part file ${this.temp} (target ${this.target})`);
  }

  private async flush(): Promise<void> {
    // sent as the chunks they are, in order: no copy into one buffer
    const data = this.buffered;
    this.buffered = [];
    this.sendingBytes = this.pendingBytes;
    this.pendingBytes = 0;
    try {
      if (!this.created) {
        await this.client.create(this.tempPath, data, { overwrite: true });
        this.created = true;
      } else {
        await this.client.append(this.tempPath, data);
      }
    } catch (e) {
      this.state = 'failed';
      throw e;
    } finally {
      this.sendingBytes = 0;
    }
  }
}

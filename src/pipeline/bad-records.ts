/**
 * What happens to a record that cannot be decoded or transformed (`spec.source.badRecords`):
 * - fail (default): the job stops with an error naming where the record came from
 *   (file + line, or topic/partition/offset) and the field; nothing of the current checkpoint
 *   becomes visible, because the runner aborts its open part files and never commits them;
 * - skip: counted (summary, status, checkpoint record) and dropped;
 * - dead-letter: counted and written, with its origin and error, as a JSON line into part files
 *   under `deadLetter`, published by the same checkpoint as the good records; or, for
 *   `kafka://<topic>`, sent to that topic (acknowledged before the checkpoint record is written).
 * A format's own `ignoreParseErrors` means skip.
 */
import type { BadRecordPolicy, Format } from '../api/types.ts';
import { JobFailedError } from '../errors.ts';
import { FileSink } from '../sink/file-sink.ts';
import type { PendingPart } from '../sink/file-sink.ts';
import type { Storage } from '../storage/types.ts';

/** A dead-letter topic (`deadLetter: kafka://<topic>`): records are sent, acknowledged, before the checkpoint record is written. */
export interface DeadLetterTopic {
  write(records: Array<{ value: string; origin: string; error: string }>): Promise<void>;
  close(): Promise<void>;
}

export class BadRecordHandler {
  private readonly mode: BadRecordPolicy['mode'];
  private skipped = 0;
  private readonly dead: FileSink | null = null;
  private readonly topic: DeadLetterTopic | null = null;
  private toTopic: Array<{ value: string; origin: string; error: string }> = [];

  constructor(
    policy: BadRecordPolicy,
    format: Format,
    dl: { storage?: Storage; topic?: DeadLetterTopic; namePrefix: string; counter: number; clock: () => number },
  ) {
    this.mode = format.type !== 'parquet' && format.ignoreParseErrors === true ? 'skip' : policy.mode;
    if (this.mode === 'dead-letter' && policy.deadLetter?.startsWith('kafka://')) {
      if (dl.topic === undefined) throw new JobFailedError('spec.source.badRecords.deadLetter: a kafka:// dead-letter topic needs a Kafka source');
      this.topic = dl.topic;
    } else if (this.mode === 'dead-letter') {
      if (dl.storage === undefined || policy.deadLetter === undefined) {
        throw new JobFailedError('spec.source.badRecords.deadLetter: a dead-letter location is required for mode dead-letter');
      }
      this.dead = new FileSink({
        storage: dl.storage,
        root: policy.deadLetter,
        partitionKeys: [],
        partitionIndexes: [],
        encoder: { encode: (row) => `${row[0] as string}\n` },
        rolling: { fileSize: 128 << 20, rolloverIntervalMs: Infinity, inactivityIntervalMs: Infinity },
        namePrefix: dl.namePrefix,
        suffix: '.json',
        counter: dl.counter,
        clock: dl.clock,
      });
    }
  }

  /** Called for each bad record; throws under the fail policy. */
  handle(raw: string, where: string, err: Error): void {
    if (this.mode === 'fail') {
      throw new JobFailedError(`bad record at ${where}: ${err.message}`, { cause: err });
    }
    this.skipped++;
    if (this.topic !== null) this.toTopic.push({ value: raw, origin: where, error: err.message });
    else if (this.dead !== null) {
      this.dead.writeBatch([[JSON.stringify({ source: where, error: err.message, record: raw })]], 1);
    }
  }

  /** Records the format skipped by itself (`ignoreParseErrors`): counted, never silent. */
  countIgnored(n: number): void {
    this.skipped += n;
  }

  /** Skipped since the last call. */
  takeSkipped(): number {
    const n = this.skipped;
    this.skipped = 0;
    return n;
  }

  get nextCounter(): number {
    return this.dead?.nextCounter ?? 0;
  }

  async snapshot(): Promise<PendingPart[]> {
    if (this.topic !== null && this.toTopic.length > 0) {
      // sent and acknowledged before the checkpoint that skips them: at least once, never lost
      await this.topic.write(this.toTopic);
      this.toTopic = [];
    }
    if (this.dead === null) return [];
    const { pending } = await this.dead.snapshotState();
    return pending.map((p) => ({ ...p, deadLetter: true }));
  }
}

/**
 * `sluice produce --sequence` in-process (the CLI's own `produce()`), pausable so the broker can
 * be stopped under it: `pause()` stops after the batch in flight and resolves once every record
 * sent so far is acknowledged (acks=all); `resume()` carries on from the next seq. A producer
 * never sends while the broker is down, so the topic holds each seq exactly once and any loss or
 * duplicate the test finds is the pipeline's, not the producer's.
 *
 * uids come from the seeded PRNG, so a run replays from its seed.
 */
import { produce, PRODUCE_DEFAULTS } from '../../../src/cli/produce.ts';
import type { ProduceSummary } from '../../../src/cli/produce.ts';

export interface PausableProducerOptions {
  bootstrap: string;
  topic: string;
  count: number;
  batch: number;
  random: () => number;
}

export class PausableProducer {
  /** Records acknowledged by finished runs (seq 0..sent-1); a run in flight counts once it ends. */
  sent = 0;
  readonly runs: ProduceSummary[] = [];
  private readonly o: PausableProducerOptions;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;

  constructor(o: PausableProducerOptions) {
    this.o = o;
  }

  get done(): boolean {
    return this.sent >= this.o.count;
  }

  /** Start (or resume) sending from seq `sent`; `finished()` resolves when this run ends. */
  resume(): void {
    if (this.running !== undefined) throw new Error('producer already running');
    const abort = new AbortController();
    this.abort = abort;
    this.running = produce(
      { ...PRODUCE_DEFAULTS, bootstrap: this.o.bootstrap, topic: this.o.topic, count: this.o.count - this.sent, batch: this.o.batch, interval: 0, sequence: true, sequenceStart: this.sent },
      { signal: abort.signal, random: this.o.random },
    ).then((s) => {
      this.sent += s.records;
      this.runs.push(s);
    });
  }

  /** The current run has ended (all of it sent, or paused); rethrows a producer error. */
  async finished(): Promise<void> {
    const r = this.running;
    if (r === undefined) return;
    try {
      await r;
    } finally {
      this.running = undefined;
      this.abort = undefined;
    }
  }

  /** Stop after the batch in flight; resolves when everything sent is acknowledged. */
  async pause(): Promise<void> {
    this.abort?.abort();
    await this.finished();
  }
}

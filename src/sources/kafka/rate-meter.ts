/**
 * Records per second over the last few seconds, for progress display: one-second buckets in a
 * small ring, so `record` is O(1) and old traffic falls out by itself.
 */
export class RateMeter {
  private readonly buckets: number[];
  private readonly seconds: number[];

  /** @param windowSeconds how far back the rate looks. @default 10 */
  constructor(windowSeconds = 10) {
    this.buckets = new Array<number>(windowSeconds).fill(0);
    this.seconds = new Array<number>(windowSeconds).fill(-1);
  }

  record(count: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % this.buckets.length;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      this.buckets[slot] = 0;
    }
    this.buckets[slot] = (this.buckets[slot] ?? 0) + count;
  }

  /** Average over the completed seconds of the window (the current second is still filling). */
  perSecond(nowMs: number): number {
    const current = Math.floor(nowMs / 1000);
    const window = this.buckets.length - 1;
    let sum = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      const s = this.seconds[i] ?? -1;
      if (s < current && s >= current - window) sum += this.buckets[i] ?? 0;
    }
    return sum / window;
  }
}

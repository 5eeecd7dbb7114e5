/** A small seeded PRNG (mulberry32) so a failing crash run can be replayed from its printed seed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for this run: CRASH_SEED replays a failure, else a fresh one. */
export function crashSeed(): number {
  const fixed = process.env.CRASH_SEED;
  return fixed !== undefined && fixed !== '' ? Number(fixed) : Date.now() % 1_000_000;
}

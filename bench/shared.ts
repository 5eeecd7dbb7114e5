/** Figures one bench section leaves for another in the same `npm run bench` run. */
export const shared: {
  /** The local-file job's CPU-seconds per million records (built dist/), set by the `local` section. */
  localCpuSecondsPerMillion?: number;
} = {};

#!/usr/bin/env -S node --max-semi-space-size=16 --max-old-space-size=512
// --max-semi-space-size: V8 sizes the young generation from the machine's memory (up to
// ~100 MB on a 24 GB host); ingest garbage is short-lived, and 16 MB semi-spaces keep a runner
// under 200 MB RSS at the same throughput (measured by `npm run bench`).
// --max-old-space-size: V8 lets the old generation grow to a multiple of what is live, and the
// multiple grows with the heap limit (itself from the machine's memory: ~4 GB here). With
// 10,000 partitions (part files and their closes outlive the young generation) a runner's heap
// grew to ~200 MB over ~50-77 MB live, RSS 349-363 MB; with a 512 MB limit, RSS 222 MB, and 3
// partitions unchanged (159-171 MB, 2.2-2.8 CPU-s for 3M rows). The sink's buffers are outside
// this heap (Buffers) and bounded by spec.sink.memoryBudget.
// Both only take effect at process start, so launchers exec this file rather than `node bin/sluice.mjs`.
// Entry point for `sluice` / `npx sluice`. Node >= 22.18 runs the TypeScript sources
// directly (type stripping); a built image runs dist/ instead.
import { existsSync } from 'node:fs';

// libuv's thread pool runs every file system call: its default 4 threads bounded a checkpoint
// that closes and publishes thousands of part files (fsync, rename, directory fsync each) to 4
// calls at once. Read when the pool starts, at the first such call: here is before it.
process.env.UV_THREADPOOL_SIZE ??= '16';

if (Number(process.versions.node.split('.')[0]) < 24) {
  process.stderr.write(`sluice needs Node.js 24 or newer (this is ${process.version}); run it through npx or npm scripts, which use the Node 24 the project installs\n`);
  process.exit(2);
}
// A checkout runs its sources (never a stale build); an image ships only dist/.
const src = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);
const useDist = process.env.SLUICE_DIST === '1' || !existsSync(src);
const { main } = await import(useDist ? built.href : src.href);
const argv = process.argv.slice(2);
const code = await main(argv);
process.exitCode = code;
if (argv[0] === 'run' || argv[0] === 'runner') {
  // A pipeline process exits here, once its output is flushed, instead of when its event loop
  // drains: Node's teardown after that (tens of ms) gives SIGINT/SIGTERM their default action
  // back, and a stop signal landing then killed a runner that had finished cleanly (exit by
  // signal instead of its code). process.exit keeps the handlers to the end.
  let pending = 2;
  const done = () => --pending === 0 && process.exit(code);
  process.stdout.write('', done);
  process.stderr.write('', done);
}

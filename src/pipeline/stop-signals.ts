/**
 * SIGINT/SIGTERM in a process that runs a pipeline (`sluice run`, `sluice runner`).
 *
 * The handlers are installed once, when the command starts, and never removed, so a signal is
 * handled the same way at every moment of the process's life: the first asks the pipeline
 * running now (or the next one to start) for a final checkpoint and a clean exit; a second
 * exits at once (130). A first signal that arrives once the pipeline has ended (while the
 * process closes its clients and writes its summary) changes nothing: the process is already
 * on its way to its exit code.
 *
 * Why not install them per run: a signal outside that window takes Node's default action, and
 * the process dies by the signal (no exit code, no message). A runner that reached the end of
 * its input just as the kubelet or a user sent SIGTERM was seen to die that way.
 */
export type StopListener = (signal: string) => void;

let installed = false;
let signals = 0;
let first: string | null = null;
const listeners = new Set<StopListener>();

function onSignal(signal: string): void {
  signals++;
  if (signals > 1) process.exit(130);
  first = signal;
  for (const l of [...listeners]) l(signal);
}

/** Install the process's SIGINT/SIGTERM handlers (idempotent). */
export function installStopSignals(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Call `l` on the first stop signal — at once if it already arrived (before this run started).
 * Returns the unsubscribe function.
 */
export function onStopSignal(l: StopListener): () => void {
  installStopSignals();
  listeners.add(l);
  if (first !== null) l(first);
  return () => listeners.delete(l);
}

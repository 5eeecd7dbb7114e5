/**
 * kafkajs 2.2.4 schedules its first request-queue check with a negative timeout (it subtracts
 * `Date.now()` from an unset "throttled until" of -1); Node ≥ 24 prints a
 * `TimeoutNegativeWarning` for that, once per process. It is harmless (Node uses 1 ms), but it
 * reads like a bug to a user. A CLI entry point calls this once to drop just that warning;
 * every other warning is printed as Node would.
 */
let installed = false;

export function silenceKafkajsTimeoutWarning(): void {
  if (installed) return;
  installed = true;
  const others = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    if (others.length === 0) return;
    for (const listener of others) listener(warning);
  });
}

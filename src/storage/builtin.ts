/**
 * Registers the remote backends with the resolver. Local disk is always available; the others
 * are added here as their folders land (hdfs/, oss/, jindofs/).
 */
let done = false;

export function registerBuiltinStorages(): void {
  if (done) return;
  done = true;
}

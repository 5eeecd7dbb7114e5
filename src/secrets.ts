/**
 * How a runner sees a Kubernetes Secret's key: the operator maps every Secret the spec names
 * into the runner pod as the environment variable `SLUICE_SECRET_<NAME>_<KEY>` (upper-cased,
 * every non-alphanumeric → `_`), and a local `sluice run` reads the same variables. Values are
 * never logged; errors name the Secret and key only.
 */
export function secretEnvName(name: string, key: string): string {
  const norm = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return `SLUICE_SECRET_${norm(name)}_${norm(key)}`;
}

export function secretFromEnv(name: string, key: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[secretEnvName(name, key)];
}

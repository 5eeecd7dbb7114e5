/** Tiny argv parser: positionals plus `--flag value`, `--flag=value` and boolean `--flag`. */
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[], booleans: readonly string[] = []): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (booleans.includes(a.slice(2)) || i + 1 >= argv.length || argv[i + 1]!.startsWith('--')) flags.set(a.slice(2), true);
    else flags.set(a.slice(2), argv[++i]!);
  }
  return { positionals, flags };
}

/** `--runner i/N` → {index, parallelism}. */
export function parseRunnerFlag(v: string | true | undefined): { index: number; parallelism: number } | undefined {
  if (v === undefined || v === true) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[1]) >= Number(m[2]) || Number(m[2]) < 1) throw new Error(`--runner must be i/N with 0 <= i < N, got '${v}'`);
  return { index: Number(m[1]), parallelism: Number(m[2]) };
}

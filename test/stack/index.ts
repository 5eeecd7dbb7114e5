/**
 * The one entry point for local services: `npm run stack -- up kafka hdfs kube`,
 * `down [names]`, `status`, `install [names]`. Prints how to reach each service as
 * `export NAME=value` lines, so `eval "$(npm run -s stack -- up kafka)"` works in a shell.
 */
import { readdirSync } from 'node:fs';
import type { Service } from './service.ts';

const dir = new URL('./services/', import.meta.url);

export async function loadService(name: string): Promise<Service> {
  const mod = await import(new URL(`${name}.ts`, dir).href) as { default: Service };
  return mod.default;
}

export function serviceNames(): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.slice(0, -3)).sort();
}

function printEnv(env: Record<string, string>): void {
  for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}=${JSON.stringify(v)}\n`);
}

async function cli(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const names = rest.length > 0 ? rest : serviceNames();
  switch (verb) {
    case 'install':
      for (const n of names) await (await loadService(n)).install();
      return 0;
    case 'up':
      for (const n of names) printEnv(await (await loadService(n)).up());
      return 0;
    case 'down':
      for (const n of [...names].reverse()) await (await loadService(n)).down();
      return 0;
    case 'status':
      for (const n of names) {
        const s = await (await loadService(n)).status();
        process.stdout.write(`# ${n}: ${s ? 'running' : 'stopped'}\n`);
        if (s) printEnv(s);
      }
      return 0;
    default:
      process.stderr.write('usage: npm run stack -- up|down|status|install [' + serviceNames().join('|') + ' ...]\n');
      return 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await cli(process.argv.slice(2));
}

/** `sluice import FILE [-o OUT] [--name NAME]`: a Flink SQL script or PyFlink program → IngestJob YAML. */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { ImportError, formatFinding, importFlinkFile, type Finding } from '../import/index.ts';
import { parseArgs } from './args.ts';

/** In the input's order; findings about the whole job (no line) last. */
function byLine(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

const USAGE = 'usage: sluice import FILE [-o OUT] [--name NAME]   (FILE: a Flink SQL script, or a PyFlink program ending in .py)\n';

export async function importCommand(argv: string[]): Promise<number> {
  const { positionals, flags } = parseArgs(argv.map((a) => (a === '-o' ? '--output' : a)));
  const file = positionals[0];
  const out = flags.get('output');
  const name = flags.get('name');
  if (file === undefined || positionals.length > 1 || out === true || name === true || [...flags.keys()].some((k) => k !== 'output' && k !== 'name')) {
    process.stderr.write(USAGE);
    return 2;
  }
  try {
    const { job, findings } = await importFlinkFile(file, { name });
    const yaml = stringify(job, { lineWidth: 0 });
    if (out === undefined) process.stdout.write(yaml);
    else await writeFile(out, yaml);
    for (const f of byLine(findings)) process.stderr.write(formatFinding(file, f) + '\n');
    const open = findings.filter((f) => f.severity === 'needs-user').length;
    if (open > 0) process.stderr.write(`${file}: the job needs you in ${open} place${open === 1 ? '' : 's'} (above) before it is complete\n`);
    return open > 0 ? 1 : 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') {
      process.stderr.write(`sluice import: cannot read ${file}: ${(e as Error).message}\n`);
      return 1;
    }
    if (!(e instanceof ImportError)) throw e;
    for (const f of byLine(e.findings)) process.stderr.write(formatFinding(file, f) + '\n');
    process.stderr.write(`${file}: no IngestJob written\n`);
    return 1;
  }
}

/**
 * What the importer tells the user: every statement, option or construct that did not map,
 * with the line of the input it came from and why.
 *
 * - needs-user: the job is not complete (a placeholder, a setting Sluice lacks that changes
 *   what lands, a UDF body that could not be translated); `sluice import` exits 1.
 * - dropped: nothing to carry over (Flink machinery Sluice has built in); listed so nothing
 *   disappears silently, but the job is complete without it.
 */
export interface Finding {
  line: number | undefined;
  severity: 'needs-user' | 'dropped';
  message: string;
}

export function formatFinding(file: string, f: Finding): string {
  const where = f.line === undefined ? file : `${file}:${f.line}`;
  return `${where}: ${f.severity === 'needs-user' ? 'needs you' : 'dropped'}: ${f.message}`;
}

/** Thrown when no job can be built at all (a syntax error, no INSERT, an unsupported connector). */
export class ImportError extends Error {
  readonly findings: Finding[];

  constructor(findings: Finding[]) {
    super(findings.map((f) => `${f.line === undefined ? '' : `line ${f.line}: `}${f.message}`).join('\n'));
    this.name = 'ImportError';
    this.findings = findings;
  }
}

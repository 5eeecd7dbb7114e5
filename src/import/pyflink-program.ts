/**
 * readPyFlink: a PyFlink program → the same FlinkScript a SQL script gives, plus its UDFs.
 *
 * The program is read by `pyflink/read_pyflink.py` with Python's own parser (`ast`), run with
 * `python3`; it is never executed. Its SQL strings go through readFlinkSql at the line they
 * start on, its Table API chains become INSERTs, its configuration calls become settings.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ImportError } from './findings.ts';
import { emptyScript, readFlinkSql, type FlinkScript, type SelectQuery } from './flink-script.ts';

const READER = fileURLToPath(new URL('./pyflink/read_pyflink.py', import.meta.url));

/** A Python @udf, translated to SQL when its body allowed it. */
export interface PythonUdf {
  name: string;
  line: number;
  params: Array<{ name: string; type: string | null }>;
  returns: string | null;
  python: string;
  expression?: string;
  error?: { line: number; why: string };
}

interface TableApiTable {
  kind: 'query' | 'path';
  line: number;
  text?: string;
  source?: string;
  ops?: Array<{ op: 'select' | 'where'; line: number; text: string }>;
}

type ReaderEvent =
  | { kind: 'finding'; line: number; severity: 'needs-user' | 'dropped'; message: string }
  | { kind: 'sql'; line: number; text: string }
  | { kind: 'insert'; line: number; sink: string; table: TableApiTable }
  | { kind: 'config'; line: number; key: string; value: string }
  | { kind: 'function'; line: number; name: string; udf: string | null; python: string };

interface ReaderOutput {
  syntaxError?: { line: number; message: string };
  events: ReaderEvent[];
  udfs?: Record<string, PythonUdf>;
}

export interface PyFlinkProgram extends FlinkScript {
  /** Functions registered by the program (register_function / create_temporary_function). */
  registered: Array<{ name: string; line: number; udf?: PythonUdf; python: string }>;
  /** Every @udf of the program, by its Python name (for `CREATE FUNCTION ... LANGUAGE PYTHON`). */
  udfs: Record<string, PythonUdf>;
}

async function runReader(file: string): Promise<ReaderOutput> {
  try {
    const { stdout } = await promisify(execFile)('python3', [READER, file], { maxBuffer: 64 << 20 });
    return JSON.parse(stdout) as ReaderOutput;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new ImportError([{ line: undefined, severity: 'needs-user', message: 'reading a PyFlink program needs python3 on PATH' }]);
    throw new ImportError([{ line: undefined, severity: 'needs-user', message: `the Python reader failed: ${(err.stderr ?? err.message).trim().split('\n').pop()}` }]);
  }
}

export async function readPyFlink(file: string): Promise<PyFlinkProgram> {
  const out = await runReader(file);
  const program: PyFlinkProgram = { ...emptyScript(), registered: [], udfs: out.udfs ?? {} };
  if (out.syntaxError) {
    program.syntaxErrors.push({ line: out.syntaxError.line, severity: 'needs-user', message: `Python syntax error: ${out.syntaxError.message}` });
    return program;
  }
  for (const ev of out.events) {
    switch (ev.kind) {
      case 'finding':
        program.findings.push({ line: ev.line, severity: ev.severity, message: ev.message });
        break;
      case 'sql':
        await readFlinkSql(ev.text, ev.line, program);
        break;
      case 'config':
        program.settings.push({ key: ev.key, value: ev.value, line: ev.line });
        break;
      case 'function': {
        const udf = ev.udf === null ? undefined : out.udfs?.[ev.udf];
        program.registered.push({ name: ev.name, line: ev.line, udf, python: ev.python });
        break;
      }
      case 'insert':
        program.inserts.push({ sink: ev.sink, line: ev.line, query: await tableQuery(ev.table, program) });
        break;
    }
  }
  return program;
}

/** A Table API chain or a sql_query() string → the SELECT it stands for. */
async function tableQuery(t: TableApiTable, program: PyFlinkProgram): Promise<SelectQuery | undefined> {
  if (t.kind === 'query') {
    // sql_query('SELECT ...') alone: read it as the query of an INSERT into a scratch table.
    const scratch = await readFlinkSql(`INSERT INTO sluice_import_sink ${t.text!}`, t.line);
    program.findings.push(...scratch.findings);
    program.syntaxErrors.push(...scratch.syntaxErrors);
    return scratch.inserts[0]?.query;
  }
  // from_path(T).select('a, 1').where('x > 0'): Table API expression strings are read as SQL.
  const select = t.ops!.filter((o) => o.op === 'select');
  const where = t.ops!.filter((o) => o.op === 'where');
  if (select.length > 1) {
    program.findings.push({ line: select[1]!.line, severity: 'needs-user', message: 'a second .select() on the same table: write the chain as one SQL query' });
    return undefined;
  }
  const sql = `INSERT INTO sluice_import_sink SELECT ${select[0]?.text ?? '*'} FROM ${t.source!}${where.length > 0 ? ` WHERE ${where.map((w) => `(${w.text})`).join(' AND ')}` : ''}`;
  const scratch = await readFlinkSql(sql, t.line);
  for (const f of [...scratch.findings, ...scratch.syntaxErrors]) {
    program.findings.push({ ...f, message: `Table API expression ${JSON.stringify(select[0]?.text ?? '*')}: ${f.message}` });
  }
  return scratch.inserts[0]?.query;
}

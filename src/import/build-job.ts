/**
 * buildIngestJob: the statements of a Flink program → one IngestJob and the findings.
 *
 * 1. The first INSERT INTO names the sink table; its query's FROM names the source table.
 * 2. Each table's WITH options go through the option table (flink-options.ts) of its
 *    connector and format; SET / configuration calls through the job-level section.
 * 3. The query becomes `SELECT ... FROM source`, its columns named (and where Flink would
 *    cast implicitly, cast) as the sink's columns, by position, as Flink's INSERT does.
 * 4. Functions: Python UDFs translated by the reader; anything else a named placeholder.
 * 5. Paths on hdfs://, jfs:// and oss:// get the storage entries they need.
 * 6. The job is validated as `sluice validate` would; every error is a finding.
 */
import { basename, extname } from 'node:path';
import type { FunctionDef, IngestJob } from '../api/types.ts';
import { validateIngestJob } from '../api/validate.ts';
import { checkJobPlan } from '../pipeline/job-plan.ts';
import { ImportError, type Finding } from './findings.ts';
import { lookupOption, section, type OptionSection, type ValueKind } from './flink-options.ts';
import type { FlinkScript, SelectQuery, TableDef, TableOption } from './flink-script.ts';
import type { PythonUdf } from './pyflink-program.ts';
import { addStorageEntries } from './storage-entries.ts';

export interface BuildOptions {
  /** The input's file name: the job's default name and the origin in messages. */
  file: string;
  name?: string;
  /** Functions a PyFlink program registered. */
  registered?: Array<{ name: string; line: number; udf?: PythonUdf; python: string }>;
  /** Every @udf of a PyFlink program, by Python name. */
  udfs?: Record<string, PythonUdf>;
}

export interface ImportResult {
  job: IngestJob;
  findings: Finding[];
}

const SQL_TYPES = new Set(['TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL', 'BOOLEAN', 'STRING', 'VARCHAR', 'CHAR', 'DATE', 'TIMESTAMP']);
const PLACEHOLDER = /<[^<>\s]+>/gu;

type Obj = Record<string, unknown>;

function setPath(root: Obj, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = root;
  for (const k of keys.slice(0, -1)) {
    o[k] ??= {};
    o = o[k] as Obj;
  }
  o[keys.at(-1)!] = value;
}

function quoteIdent(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/u.test(name) ? name : `\`${name.replaceAll('`', '``')}\``;
}

/** A DNS label from a file name: `demo.py` → `demo`. */
function jobNameFrom(file: string): string {
  const base = basename(file, extname(file)).toLowerCase().replace(/[^a-z0-9-]+/gu, '-').replace(/^-+|-+$/gu, '').slice(0, 63);
  return base === '' ? 'imported-job' : base;
}

export function buildIngestJob(script: FlinkScript, opts: BuildOptions): ImportResult {
  if (script.syntaxErrors.length > 0) throw new ImportError(script.syntaxErrors);
  const findings: Finding[] = [...script.findings];
  const needs = (line: number | undefined, message: string): void => void findings.push({ line, severity: 'needs-user', message });
  const dropped = (line: number | undefined, message: string): void => void findings.push({ line, severity: 'dropped', message });
  const fatal = (line: number | undefined, message: string): never => {
    throw new ImportError([...findings.filter((f) => f.severity === 'needs-user'), { line, severity: 'needs-user', message }]);
  };

  // 1. which tables
  const [insert, ...more] = script.inserts;
  if (insert === undefined) fatal(undefined, 'no INSERT INTO: nothing says which table the job writes (Table API: .insert_into(...) / .execute_insert(...))');
  for (const m of more) needs(m.line, `a second INSERT INTO ${m.sink}: an IngestJob has one sink; only the INSERT at line ${insert!.line} was imported (import the others as jobs of their own)`);
  const table = (name: string, line: number): TableDef => {
    const t = script.tables.find((x) => x.name === name) ?? script.tables.find((x) => x.name.toLowerCase() === name.toLowerCase());
    return t ?? fatal(line, `table ${name} is not created in this program (CREATE TABLE ${name} ... WITH (...))`);
  };
  const sinkTable = table(insert!.sink, insert!.line);
  const query = insert!.query ?? fatal(insert!.line, `the query of INSERT INTO ${insert!.sink} cannot run in Sluice (see above)`);
  const sourceTable = table(query.from, query.line);
  for (const t of script.tables) {
    if (t !== sinkTable && t !== sourceTable) dropped(t.line, `table ${t.name} is not read or written by the imported INSERT`);
  }

  const connector = (t: TableDef): string => t.options.find((o) => o.key === 'connector')?.value.toLowerCase() ?? fatal(t.line, `table ${t.name} has no 'connector' option`);
  const sourceConnector = connector(sourceTable);
  const sinkConnector = connector(sinkTable);
  const optLine = (t: TableDef, key: string): number => t.options.find((o) => o.key === key)?.line ?? t.line;
  if (sourceConnector !== 'filesystem' && sourceConnector !== 'kafka') {
    fatal(optLine(sourceTable, 'connector'), `source ${sourceTable.name}: connector '${sourceConnector}' is not supported; Sluice reads 'filesystem' (files) and 'kafka'`);
  }
  if (sinkConnector !== 'filesystem') {
    fatal(optLine(sinkTable, 'connector'), `sink ${sinkTable.name}: connector '${sinkConnector}' is not supported; Sluice writes 'filesystem' sinks (local, HDFS, OSS, JindoFS)`);
  }

  const spec: Obj = { source: {}, sink: {} };
  const fieldLines = new Map<string, number>();

  // 2. options
  const applyValue = (field: string, kind: ValueKind, o: TableOption, values?: Readonly<Record<string, string>>): void => {
    let value: unknown = o.value;
    if (values !== undefined) {
      const v = values[o.value.trim().toLowerCase()];
      if (v === undefined) return needs(o.line, `'${o.key}' = '${o.value}': Sluice takes ${Object.keys(values).join(', ')}`);
      value = v;
    } else if (kind === 'size') {
      // Flink passes parquet.* to Hadoop's ParquetOutputFormat, which reads a number of bytes.
      value = /^\d+$/u.test(o.value.trim()) ? Number(o.value.trim()) : o.value;
    } else if (kind === 'integer') {
      if (!/^-?\d+$/u.test(o.value.trim())) return needs(o.line, `'${o.key}' = '${o.value}': not an integer`);
      value = Number(o.value.trim());
    } else if (kind === 'boolean') {
      const v = o.value.trim().toLowerCase();
      if (v !== 'true' && v !== 'false') return needs(o.line, `'${o.key}' = '${o.value}': not true or false`);
      value = v === 'true';
    } else if (kind === 'list') {
      value = o.value.split(field.endsWith('policy') ? /[,\s]+/u : ',').map((s) => s.trim()).filter((s) => s !== '');
    }
    setPath(spec, field, value);
    fieldLines.set(`spec.${field}`, o.line);
  };

  const applyOption = (o: TableOption, sections: OptionSection[], where: string, role: 'source' | 'sink' | 'job', tablePath: string, formatPath: string): void => {
    for (const p of o.value.match(PLACEHOLDER) ?? []) needs(o.line, `placeholder ${p} in '${o.key}' kept as it is: fill it in`);
    const found = lookupOption(sections, o.key, o.value);
    if (found.kind === 'unsupported') {
      const text = `'${o.key}'${found.entry.values ? ` = '${o.value}'` : ''} is not supported: ${found.entry.reason}`;
      return found.entry.severity === 'needs-user' ? needs(o.line, text) : dropped(o.line, text);
    }
    if (found.kind === 'unknown' || (found.row.to === undefined && found.row.needsUser === undefined && found.row.builtIn === undefined)) {
      return needs(o.line, `'${o.key}' is not an option of ${where} that Sluice knows (docs/flink-options.md lists them)`);
    }
    const row = found.row;
    if (row.builtIn !== undefined) return dropped(o.line, `'${o.key}': ${row.builtIn}`);
    if (row.needsUser !== undefined) {
      if (o.key === 'properties.sasl.jaas.config') {
        const user = /username\s*=\s*"([^"]*)"/u.exec(o.value)?.[1];
        if (user !== undefined) setPath(spec, `${tablePath}.security.sasl.username`, { value: user });
        setPath(spec, `${tablePath}.security.sasl.password`, { secretKeyRef: { name: '<kafka-sasl-secret>', key: 'password' } });
      }
      return needs(o.line, `'${o.key}': ${row.needsUser}`);
    }
    const to = row.to!;
    if (to.role !== undefined && to.role !== role) return needs(o.line, `'${o.key}' is a ${to.role} option, but ${where} is the ${role}`);
    applyValue(to.field.replace('$table', tablePath).replace('$format', formatPath), to.value, o, to.values);
  };

  const applyTable = (t: TableDef, role: 'source' | 'sink', connectorName: string): void => {
    const tablePath = role === 'sink' ? 'sink' : connectorName === 'kafka' ? 'source.kafka' : 'source.files';
    const formatPath = `${role}.format`;
    const formatName = (t.options.find((o) => o.key === 'value.format') ?? t.options.find((o) => o.key === 'format'))?.value.toLowerCase();
    const known = ['csv', 'json', 'parquet'] as const;
    const isKnown = (f: string | undefined): f is (typeof known)[number] => (known as readonly string[]).includes(f ?? '');
    if (formatName === undefined) needs(t.line, `table ${t.name} has no 'format': Sluice reads and writes 'csv', 'json' and 'parquet' (files only)`);
    else if (!isKnown(formatName)) fatal(optLine(t, 'format'), `table ${t.name}: format '${formatName}' is not supported; Sluice reads and writes 'csv', 'json' and 'parquet' (files only)`);
    const connectorSection = section(connectorName === 'kafka' ? 'kafka' : 'filesystem');
    const formatSections = isKnown(formatName) ? [section(formatName)] : [];
    if (connectorName === 'kafka' && role === 'sink') return;
    for (const o of t.options) {
      if (o.key === 'connector') continue;
      // Kafka's `value.format = 'json'` prefixes its format options: `value.json.fail-on-missing-field`.
      const key = connectorName === 'kafka' && o.key.startsWith(`value.${formatName ?? ''}.`) ? o.key.slice('value.'.length) : o.key;
      applyOption({ ...o, key }, [connectorSection, ...formatSections], `the ${connectorName} connector (table ${t.name})`, role, tablePath, formatPath);
    }
  };
  applyTable(sourceTable, 'source', sourceConnector);
  applyTable(sinkTable, 'sink', sinkConnector);

  // schema, watermark, partitions
  const source = spec.source as Obj;
  if (sourceConnector === 'filesystem') source.files ??= { path: '<source-path>' };
  source.schema = sourceTable.columns.map((c) => {
    const base = c.type.split('(')[0]!.trim().toUpperCase();
    if (!SQL_TYPES.has(base)) needs(c.line, `column ${c.name} ${c.type}: the type is not supported (${[...SQL_TYPES].join(', ')})`);
    return { name: c.name, type: c.type };
  });
  if (sourceTable.watermark) {
    const wm = sourceTable.watermark;
    const m = /^\s*`?([^`\s]+)`?\s*(?:-\s*INTERVAL\s+'(\d+)'\s+(SECOND|MINUTE|HOUR|DAY)S?)?\s*$/iu.exec(wm.expression);
    if (m === null || m[1] !== wm.column) needs(wm.line, `WATERMARK FOR ${wm.column} AS ${wm.expression}: only \`col\` and \`col - INTERVAL 'n' SECOND|MINUTE|HOUR|DAY\` map to source.watermark`);
    else source.watermark = { column: wm.column, ...(m[2] === undefined ? {} : { delay: `${m[2]}${{ SECOND: 's', MINUTE: 'min', HOUR: 'h', DAY: 'd' }[m[3]!.toUpperCase() as 'SECOND']}` }) };
  }
  for (const c of sinkTable.partitionBy) {
    if (!sinkTable.columns.some((x) => x.name === c)) needs(sinkTable.line, `PARTITIONED BY (${c}): ${c} is not a column of ${sinkTable.name}`);
  }
  if (sinkTable.partitionBy.length > 0) (spec.sink as Obj).partitionBy = sinkTable.partitionBy;

  // 3. the query
  const transform: Obj = {};
  const functions = buildFunctions(script, opts, needs);
  if (functions.length > 0) transform.functions = functions;
  transform.query = buildQuery(query, sourceTable, sinkTable, needs);
  spec.transform = transform;

  // settings (SET, configuration calls)
  let name = opts.name;
  for (const s of script.settings) {
    if (s.key === 'pipeline.name') {
      name ??= s.value;
      continue;
    }
    applyOption(s, [section('job')], 'the job configuration', 'job', '', '');
  }

  // 5. storage
  addStorageEntries(spec, fieldLines, needs);

  const job = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'IngestJob',
    metadata: { name: name ?? jobNameFrom(opts.file) },
    spec: orderSpec(spec),
  } as unknown as IngestJob;

  // 6. what `sluice validate` would say
  const hasPlaceholder = findings.some((f) => f.severity === 'needs-user');
  const errors = validateIngestJob(job);
  const plan = errors.length === 0 ? checkJobPlan(job) : [];
  for (const e of [...errors, ...plan]) {
    const line = [...fieldLines.entries()].find(([p]) => e.path.startsWith(p))?.[1];
    needs(line, `sluice validate: ${e.path}: ${e.message}${hasPlaceholder ? ' (until the points above are filled in)' : ''}`);
  }
  return { job, findings };
}

function orderSpec(spec: Obj): Obj {
  const order = ['source', 'transform', 'sink', 'checkpoint', 'parallelism', 'restartPolicy', 'storage'];
  const source = spec.source as Obj;
  const sink = spec.sink as Obj;
  const pick = (o: Obj, keys: string[]): Obj => Object.fromEntries([...keys.filter((k) => k in o).map((k) => [k, o[k]]), ...Object.entries(o).filter(([k]) => !keys.includes(k))]);
  return pick({ ...spec, source: pick(source, ['files', 'kafka', 'format', 'schema', 'watermark']), sink: pick(sink, ['path', 'format', 'partitionBy', 'rollingPolicy', 'partitionCommit']) }, order);
}

function buildQuery(q: SelectQuery, sourceTable: TableDef, sinkTable: TableDef, needs: (line: number | undefined, m: string) => void): string {
  const items = q.items.length === 1 && q.items[0]!.star ? sourceTable.columns.map((c) => ({ text: quoteIdent(c.name), alias: undefined, line: q.line, star: false })) : q.items;
  if (items.some((i) => i.star)) needs(q.line, 'a * among other columns: list the columns');
  if (items.length !== sinkTable.columns.length) {
    needs(q.line, `the query has ${items.length} columns and ${sinkTable.name} has ${sinkTable.columns.length} (${sinkTable.columns.map((c) => c.name).join(', ')}): Flink inserts by position`);
  }
  const typeBase = (t: string): string => t.split('(')[0]!.trim().toUpperCase().replace(/^INTEGER$/u, 'INT');
  const cols = items.map((item, i) => {
    const sinkCol = sinkTable.columns[i];
    if (sinkCol === undefined) return item.alias === undefined ? item.text : `${item.text} AS ${quoteIdent(item.alias)}`;
    let expr = item.text;
    const sourceCol = sourceTable.columns.find((c) => c.name === expr.replaceAll('`', ''));
    const isIntLiteral = /^-?\d+$/u.test(expr) && Math.abs(Number(expr)) <= 2147483647;
    // Flink casts an INSERT's columns to the sink's types; Sluice writes the query's own.
    if ((isIntLiteral && typeBase(sinkCol.type) !== 'INT') || (sourceCol !== undefined && typeBase(sourceCol.type) !== typeBase(sinkCol.type))) {
      expr = `CAST(${expr} AS ${sinkCol.type})`;
    }
    return expr === quoteIdent(sinkCol.name) || expr === sinkCol.name ? expr : `${expr} AS ${quoteIdent(sinkCol.name)}`;
  });
  return `SELECT ${cols.join(', ')} FROM source${q.fromAlias === undefined ? '' : ` ${q.fromAlias}`}${q.where === undefined ? '' : ` WHERE ${q.where}`}`;
}

function buildFunctions(script: FlinkScript, opts: BuildOptions, needs: (line: number | undefined, m: string) => void): FunctionDef[] {
  const out: FunctionDef[] = [];
  const fromUdf = (name: string, udf: PythonUdf): FunctionDef => {
    const params = udf.params.map((p) => ({ name: p.name, type: p.type ?? '<sql-type>' }));
    if (udf.expression !== undefined && udf.error === undefined) return { name, params, returns: udf.returns ?? '<sql-type>', expression: udf.expression };
    needs(udf.error?.line ?? udf.line, `function ${name}: \`${udf.python}\` is not translated (${udf.error?.why ?? 'no body'}); write its SQL expression in transform.functions`);
    return { name, params, returns: udf.returns ?? '<sql-type>', expression: `<python: ${udf.python}>` };
  };
  for (const r of opts.registered ?? []) {
    if (r.udf !== undefined) out.push(fromUdf(r.name, r.udf));
    else {
      needs(r.line, `function ${r.name}: \`${r.python}\` is not a @udf defined in this program; write its SQL expression in transform.functions`);
      out.push({ name: r.name, params: [{ name: 'arg0', type: '<sql-type>' }], returns: '<sql-type>', expression: `<python: ${r.python}>` });
    }
  }
  for (const f of script.functions) {
    const pyName = f.className.split('.').at(-1)!;
    const udf = opts.udfs?.[pyName];
    if (f.language === 'PYTHON' && udf !== undefined) {
      out.push(fromUdf(f.name, udf));
      continue;
    }
    needs(f.line, `function ${f.name}: ${f.language} class '${f.className}' cannot run in Sluice; write it as a SQL expression in transform.functions`);
    out.push({ name: f.name, params: [{ name: 'arg0', type: '<sql-type>' }], returns: '<sql-type>', expression: `<${f.language.toLowerCase()}: ${f.className}>` });
  }
  return out;
}

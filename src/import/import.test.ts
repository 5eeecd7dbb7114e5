/**
 * sluice import over Flink SQL scripts and PyFlink programs: every option of the option table
 * lands in its field, the docs are the table, secrets never leave the input, and bad input
 * is refused naming its line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { execFileSync } from 'node:child_process';
import { compileQuery } from '../sql/index.ts';
import { validateIngestJob } from '../api/validate.ts';
import { checkJobPlan } from '../pipeline/job-plan.ts';
import { OPTION_SECTIONS } from './flink-options.ts';
import { ImportError, importFlinkFile, type Finding } from './index.ts';
import { withOptionTables } from './options-doc.ts';

const FIXTURES = new URL('../../test/fixtures/flink/', import.meta.url);
const fixture = (name: string): string => new URL(name, FIXTURES).pathname;

async function write(name: string, text: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'sluice-import-')), name);
  await writeFile(file, text);
  return file;
}

async function refused(file: string): Promise<Finding[]> {
  try {
    await importFlinkFile(file);
  } catch (e) {
    if (e instanceof ImportError) return e.findings;
    throw e;
  }
  assert.fail(`${file} was imported`);
}

const needing = (findings: Finding[]): Finding[] => findings.filter((f) => f.severity === 'needs-user');

test('docs/flink-options.md shows the option table the importer reads', async () => {
  const doc = await readFile(new URL('../../docs/flink-options.md', import.meta.url), 'utf8');
  assert.equal(doc, withOptionTables(doc), 'docs/flink-options.md is stale: run npm run docs:flink-options');
});

test('the option scripts exercise every option of the table that maps to a field', async () => {
  const scripts = (await Promise.all(['all-filesystem-options.sql', 'all-kafka-options.sql', 'all-parquet-options.sql'].map((f) => readFile(fixture(f), 'utf8')))).join('\n');
  for (const s of OPTION_SECTIONS) {
    for (const r of s.rows) {
      if (r.to === undefined && r.needsUser === undefined && r.builtIn === undefined) continue;
      const key = r.key.endsWith('.*') ? r.key.slice(0, -1) : `${r.key}'`;
      assert.ok(scripts.includes(`'${key}`) || scripts.includes(`'value.${key}`), `${s.id}: ${r.key} is in no option script`);
    }
  }
});

test('every filesystem, CSV and job-level option lands in its field; the job is complete and valid', async () => {
  const { job, findings } = await importFlinkFile(fixture('all-filesystem-options.sql'));
  assert.deepEqual(needing(findings), []);
  assert.deepEqual(validateIngestJob(job), []);
  assert.deepEqual(checkJobPlan(job), []);
  const s = job.spec;
  assert.equal(job.metadata.name, 'all-filesystem-options', 'pipeline.name');
  assert.deepEqual(s.source.format, { type: 'csv', fieldDelimiter: ';', quoteCharacter: "'", allowComments: true, ignoreParseErrors: true, escapeCharacter: '^', nullLiteral: 'n/a' });
  assert.deepEqual(s.source.watermark, { column: 'ts', delay: '5s' });
  assert.deepEqual(s.sink.format, { type: 'csv', disableQuoteCharacter: true });
  assert.deepEqual(s.sink.rollingPolicy, { fileSize: '64MB', rolloverInterval: '15 min', inactivityInterval: '5 min', checkInterval: '30s' });
  assert.deepEqual(s.sink.partitionCommit, { trigger: 'partition-time', delay: '1 h', watermarkTimeZone: 'Asia/Shanghai', policy: ['success-file'], successFileName: '_DONE', timestampPattern: '$dt 00:00:00', timestampFormatter: 'yyyy-MM-dd HH:mm:ss' });
  assert.deepEqual(s.sink.partitionBy, ['dt']);
  assert.deepEqual(s.checkpoint, { interval: '30 s', dir: '/data/checkpoints/words' });
  assert.equal(s.parallelism, 2);
  assert.deepEqual(s.restartPolicy, { backoff: { initial: '10s', max: '10 min', resetThreshold: '2h' }, maxRestarts: 7 });
  assert.equal(s.transform?.query, 'SELECT word, CAST(n AS BIGINT) AS n, dt FROM source WHERE n > 0', 'INT → BIGINT as Flink casts into the sink');
  for (const line of [3, 7, 12, 50]) assert.ok(findings.some((f) => f.line === line && f.severity === 'dropped'), `line ${line} is listed as dropped`);
});

test('every Kafka and JSON option lands in its field; secrets are never copied and each is reported', async () => {
  const text = await readFile(fixture('all-kafka-options.sql'), 'utf8');
  const { job, findings } = await importFlinkFile(fixture('all-kafka-options.sql'));
  const k = job.spec.source.kafka!;
  assert.equal(k.topic, 'a;b');
  assert.deepEqual(k.bootstrapServers, ['k1:9092', 'k2:9092']);
  assert.equal(k.groupId, 'events-group');
  assert.equal(k.autoOffsetReset, 'earliest');
  assert.equal(k.startupMode, 'specific-offsets');
  assert.equal(k.startupSpecificOffsets, 'partition:0,offset:42;partition:1,offset:300');
  assert.equal(k.startupTimestampMillis, 1700000000000);
  assert.equal(k.boundedMode, 'latest-offset');
  assert.equal(k.partitionDiscoveryInterval, '1 min');
  assert.deepEqual(k.security, { protocol: 'SASL_SSL', sasl: { mechanism: 'SCRAM-SHA-256', username: { value: 'alice' }, password: { secretKeyRef: { name: '<kafka-sasl-secret>', key: 'password' } } } });
  assert.equal(job.spec.parallelism, 3);
  assert.deepEqual(job.spec.source.format, { type: 'json', failOnMissingField: true, ignoreParseErrors: false, timestampFormat: 'ISO-8601' });
  assert.deepEqual(job.spec.checkpoint, { interval: '5000', dir: 'oss://bucket/checkpoints' });
  assert.deepEqual(job.spec.storage?.oss, { endpoint: 'oss-cn-hangzhou.aliyuncs.com', credentialsSecret: '<oss-credentials-secret>' });
  const said = stringify(job) + findings.map((f) => f.message).join('\n');
  for (const secret of ['s3cret-pw', 'AKID-not-to-be-copied', 'secret-not-to-be-copied']) {
    assert.ok(text.includes(secret));
    assert.ok(!said.includes(secret), `${secret} appears in the output`);
  }
  const lines = needing(findings).map((f) => f.line);
  for (const line of [5, 6, 22, 23]) assert.ok(lines.includes(line), `line ${line} needs the user`);
});

test('every Parquet option lands in its field, converted as the schema needs; the job is complete and valid', async () => {
  const { job, findings } = await importFlinkFile(fixture('all-parquet-options.sql'));
  assert.deepEqual(needing(findings), []);
  assert.deepEqual(validateIngestJob(job), []);
  assert.deepEqual(checkJobPlan(job), []);
  assert.deepEqual(job.spec.source.format, { type: 'csv' });
  // ZSTD → zstd, a bare byte count → an integer, a MemorySize as written, FALSE → false.
  assert.deepEqual(job.spec.sink.format, { type: 'parquet', compression: 'zstd', rowGroupSize: 67108864, pageSize: '512kb', dictionary: false, utcTimezone: true });
  assert.deepEqual(job.spec.sink.partitionBy, ['dt']);
  assert.deepEqual(job.spec.sink.rollingPolicy, { fileSize: '256MB' });
  assert.equal(job.spec.transform?.query, 'SELECT id, amount, ts, dt FROM source');
  const text = await readFile(fixture('all-parquet-options.sql'), 'utf8');
  const lineOf = (key: string): number => text.split('\n').findIndex((l) => l.includes(`'${key}'`)) + 1;
  for (const key of ['parquet.write.int64.timestamp', 'parquet.timestamp.time.unit']) {
    const f = findings.find((x) => x.line === lineOf(key));
    assert.equal(f?.severity, 'dropped', key);
    assert.match(f.message, /always written as INT64, its unit from the precision/u, key);
  }
});

test("Parquet: UNCOMPRESSED is none, INT96 and codecs the writer lacks are reported, a Parquet source reads its options", async () => {
  const { job, findings } = await importFlinkFile(await write('pq.sql', `CREATE TABLE t (a INT, ts TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = '/in', 'format' = 'parquet',
  'parquet.utc-timezone' = 'true');
CREATE TABLE s (a INT, ts TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = '/out', 'format' = 'parquet',
  'parquet.compression' = 'UNCOMPRESSED',
  'parquet.write.int64.timestamp' = 'false');
INSERT INTO s SELECT a, ts FROM t;
`));
  assert.deepEqual(job.spec.source.format, { type: 'parquet', utcTimezone: true });
  assert.deepEqual(job.spec.sink.format, { type: 'parquet', compression: 'none' });
  assert.deepEqual(needing(findings), []);
  assert.deepEqual([...validateIngestJob(job), ...checkJobPlan(job)], []);
  const int96 = findings.find((f) => f.line === 5)!;
  assert.equal(int96.severity, 'dropped');
  assert.match(int96.message, /'parquet.write.int64.timestamp' = 'false' is not supported: deprecated by the Parquet format/u);

  const lz4 = await importFlinkFile(await write('lz4.sql', `CREATE TABLE t (a INT) WITH ('connector' = 'filesystem', 'path' = '/in', 'format' = 'csv');
CREATE TABLE s (a INT) WITH ('connector' = 'filesystem', 'path' = '/out', 'format' = 'parquet',
  'parquet.compression' = 'LZ4',
  'parquet.enable.dictionary' = 'yes');
INSERT INTO s SELECT a FROM t;
`));
  const at = (line: number): Finding | undefined => needing(lz4.findings).find((f) => f.line === line);
  assert.match(at(3)!.message, /'parquet.compression' = 'LZ4' is not supported: the writer has snappy, zstd, gzip and none/u);
  assert.match(at(4)!.message, /'parquet.enable.dictionary' = 'yes': not true or false/u);
  assert.deepEqual(lz4.job.spec.sink.format, { type: 'parquet' });
});

test('a syntax error is refused with its line', async () => {
  const f = await refused(await write('bad.sql', "CREATE TABLE t (a INT) WITH ('connector' = 'kafka'\nINSERT INTO s SELECT a FROM t;\n"));
  assert.equal(f[0]!.line, 2);
  assert.match(f[0]!.message, /Flink SQL syntax error/u);
});

const SINK = "CREATE TABLE s (a INT) WITH ('connector' = 'filesystem', 'path' = '/out', 'format' = 'csv');\n";

test('an unsupported connector (jdbc) is refused naming its line', async () => {
  const f = await refused(await write('jdbc.sql', `${SINK}CREATE TABLE t (a INT) WITH (\n  'connector' = 'jdbc',\n  'url' = 'jdbc:mysql://db/x'\n);\nINSERT INTO s SELECT a FROM t;\n`));
  assert.equal(f.at(-1)!.line, 3);
  assert.match(f.at(-1)!.message, /connector 'jdbc' is not supported; Sluice reads 'filesystem' \(files\) and 'kafka'/u);
});

const SOURCE = "CREATE TABLE t (a INT, b INT) WITH ('connector' = 'filesystem', 'path' = '/in', 'format' = 'csv');\n";

test('JOIN and GROUP BY are refused naming their line', async () => {
  const join = await refused(await write('join.sql', `${SOURCE}${SINK}INSERT INTO s\nSELECT t.a FROM t\nJOIN t AS u ON t.a = u.a;\n`));
  assert.ok(join.some((x) => x.line === 4 && /JOIN: Sluice transforms each source row on its own/u.test(x.message)), JSON.stringify(join));
  const group = await refused(await write('group.sql', `${SOURCE}${SINK}INSERT INTO s\nSELECT a FROM t\nGROUP BY a;\n`));
  assert.ok(group.some((x) => x.line === 5 && /^GROUP BY/u.test(x.message)), JSON.stringify(group));
});

test('unknown and unsupported options are listed with their line and why; placeholders are kept', async () => {
  const { job, findings } = await importFlinkFile(await write('opts.sql', `CREATE TABLE t (a INT) WITH (
  'connector' = 'filesystem',
  'path' = '<input-dir>',
  'format' = 'csv',
  'source.monitor-interval' = '10s',
  'no.such.option' = 'x'
);
CREATE TABLE s (a INT) WITH ('connector' = 'filesystem', 'path' = '/out', 'format' = 'csv',
  'auto-compaction' = 'true',
  'sink.partition-commit.policy.kind' = 'metastore');
INSERT INTO s SELECT a FROM t;
`));
  assert.equal(job.spec.source.files?.path, '<input-dir>');
  const at = (line: number): Finding | undefined => findings.find((f) => f.line === line);
  assert.match(at(3)!.message, /placeholder <input-dir> in 'path' kept as it is/u);
  assert.match(at(5)!.message, /'source.monitor-interval' is not supported: a files source is read once/u);
  assert.match(at(6)!.message, /'no.such.option' is not an option of the filesystem connector/u);
  assert.equal(at(9)!.severity, 'dropped');
  assert.equal(at(10)!.severity, 'needs-user');
  assert.match(at(10)!.message, /= 'metastore' is not supported: there is no Hive metastore/u);
});

const udfProgram = (body: string, types = 'input_types=[DataTypes.INT()], result_type=DataTypes.INT()'): string => `from pyflink.table import DataTypes
from pyflink.table.udf import udf

LIMIT = 3
PREFIX = "p-"


@udf(${types})
def f(x):
    return ${body}


def main():
    env = StreamExecutionEnvironment.get_execution_environment()
    t_env = StreamTableEnvironment.create(env)
    t_env.execute_sql("CREATE TABLE src (x ${types.includes('STRING()]') ? 'STRING' : 'INT'}) WITH ('connector' = 'filesystem', 'path' = '/in', 'format' = 'csv')")
    t_env.execute_sql("CREATE TABLE dst (x ${types.includes('STRING()]') ? 'STRING' : 'INT'}, y ${types.endsWith('STRING()') ? 'STRING' : types.endsWith('BOOLEAN()') ? 'BOOLEAN' : 'INT'}) WITH ('connector' = 'filesystem', 'path' = '/out', 'format' = 'csv')")
    t_env.create_temporary_function("f", f)
    t_env.sql_query("SELECT x, f(x) FROM src").execute_insert("dst")


main()
`;

test('@udf bodies translate with Python semantics: //, %, string +, comparisons', async () => {
  const cases: Array<[string, string, string?]> = [
    ['x // LIMIT', '(x / 3 - IF(MOD(x, 3) < 0, 1, 0))'],
    ['x // -2', '(x / (-2) - IF(MOD(x, (-2)) > 0, 1, 0))'],
    ['x % LIMIT + 1', '(PMOD(x, 3) + 1)'],
    ['PREFIX + x', "('p-' || x)", 'input_types=[DataTypes.STRING()], result_type=DataTypes.STRING()'],
    ['0 <= x < LIMIT', '((0 <= x) AND (x < 3))', 'input_types=[DataTypes.INT()], result_type=DataTypes.BOOLEAN()'],
    ['x if x > 0 else -x', 'IF((x > 0), x, (-x))'],
    ['x if 0 < x < LIMIT else LIMIT', 'IF(((0 < x) AND (x < 3)), x, 3)'],
  ];
  for (const [body, expression, types] of cases) {
    const { job, findings } = await importFlinkFile(await write('udf.py', udfProgram(body, types)));
    assert.equal(job.spec.transform?.functions?.[0]?.expression, expression, body);
    assert.deepEqual(needing(findings), [], body);
  }
  // Floor division and modulo against Python itself, at the edges of INT too.
  const xs = [-2147483648, -2147483647, -7, -6, -1, 0, 1, 6, 7, 2147483647];
  for (const body of ['x // LIMIT', 'x // -2', 'x % -4', 'x // (LIMIT - 5)', 'x if 0 < x < LIMIT else x // 2']) {
    const { job } = await importFlinkFile(await write('udf.py', udfProgram(body)));
    const q = compileQuery(job.spec.transform!.query!, job.spec.source.schema, job.spec.transform!.functions!);
    const expected = JSON.parse(execFileSync('python3', ['-c', `import json,sys\nLIMIT = 3\nprint(json.dumps([${body.replaceAll('x', 'v')} for v in json.loads(sys.argv[1])]))`, JSON.stringify(xs)], { encoding: 'utf8' })) as number[];
    assert.deepEqual(xs.map((x) => q.apply([x])![1]), expected, body);
  }
});

test('an untranslatable @udf body is reported with its line and left as a placeholder that fails validation', async () => {
  const { job, findings } = await importFlinkFile(await write('udf.py', udfProgram('x.bit_length() % LIMIT')));
  const fn = job.spec.transform!.functions![0]!;
  assert.equal(fn.name, 'f');
  assert.equal(fn.expression, '<python: x.bit_length() % LIMIT>');
  const f = needing(findings).find((x) => x.line === 10);
  assert.match(f!.message, /function f: `x.bit_length\(\) % LIMIT` is not translated/u);
  assert.notDeepEqual([...validateIngestJob(job), ...checkJobPlan(job)], []);
});

test('EXECUTE STATEMENT SET: the first INSERT is the job, a second one is reported; SELECT * keeps the columns; a Java function is a placeholder', async () => {
  const { job, findings } = await importFlinkFile(await write('set.sql', `${SOURCE}CREATE TABLE s (a INT, b INT) WITH ('connector' = 'filesystem', 'path' = '/out', 'format' = 'json');
CREATE TABLE s2 (a INT, b INT) WITH ('connector' = 'filesystem', 'path' = '/out2', 'format' = 'json');
CREATE TEMPORARY FUNCTION hash_it AS 'com.example.HashIt' LANGUAGE JAVA;
EXECUTE STATEMENT SET
BEGIN
  INSERT INTO s SELECT * FROM t;
  INSERT INTO s2 SELECT a, b FROM t;
END;
`));
  assert.equal(job.spec.transform?.query, 'SELECT a, b FROM source');
  assert.equal(job.spec.sink.path, '/out');
  const at = (line: number): Finding | undefined => needing(findings).find((f) => f.line === line);
  assert.match(at(8)!.message, /a second INSERT INTO s2: an IngestJob has one sink; only the INSERT at line 7 was imported/u);
  assert.match(at(4)!.message, /function hash_it: JAVA class 'com.example.HashIt' cannot run in Sluice/u);
  assert.deepEqual(job.spec.transform?.functions?.[0], { name: 'hash_it', params: [{ name: 'arg0', type: '<sql-type>' }], returns: '<sql-type>', expression: '<java: com.example.HashIt>' });
  assert.notDeepEqual(validateIngestJob(job), [], 'the placeholder function fails validation');
});

test('PyFlink: a statement set, sql_query bound to a name, and CREATE FUNCTION ... LANGUAGE PYTHON of the program\'s @udf', async () => {
  const { job, findings } = await importFlinkFile(await write('prog.py', `from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf

BUCKETS = 4


@udf(input_types=[DataTypes.BIGINT()], result_type=DataTypes.BIGINT())
def bucket(uid):
    """Which bucket a uid goes to."""
    return uid % BUCKETS


def run():
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.get_config().set("parallelism.default", "2")
    name = "events"
    t_env.execute_sql(f"""
        CREATE TABLE src (uid BIGINT) WITH (
            'connector' = 'kafka', 'topic' = '{name}',
            'properties.bootstrap.servers' = 'k:9092', 'format' = 'json')""")
    t_env.execute_sql("CREATE TABLE dst (uid BIGINT, b BIGINT) PARTITIONED BY (b) WITH ('connector' = 'filesystem', 'path' = '/out', 'format' = 'csv')")
    t_env.execute_sql("CREATE TEMPORARY FUNCTION to_bucket AS 'prog.bucket' LANGUAGE PYTHON")
    result = t_env.sql_query("SELECT uid, to_bucket(uid) FROM src WHERE uid >= 0")
    stmt_set = t_env.create_statement_set()
    stmt_set.add_insert("dst", result)
    stmt_set.execute()


if __name__ == "__main__":
    run()
`));
  assert.deepEqual(needing(findings), []);
  assert.equal(job.spec.source.kafka?.topic, 'events');
  assert.equal(job.spec.parallelism, 2);
  assert.deepEqual(job.spec.transform?.functions, [{ name: 'to_bucket', params: [{ name: 'uid', type: 'BIGINT' }], returns: 'BIGINT', expression: 'PMOD(uid, 4)' }]);
  assert.equal(job.spec.transform?.query, 'SELECT uid, to_bucket(uid) AS b FROM source WHERE uid >= 0');
  assert.deepEqual([...validateIngestJob(job), ...checkJobPlan(job)], []);
});

test('PyFlink: a Python syntax error is refused with its line', async () => {
  const f = await refused(await write('broken.py', 'def main():\n    t_env.execute_sql("x"\n\nmain()\n'));
  assert.equal(f[0]!.line, 2);
  assert.match(f[0]!.message, /Python syntax error/u);
});

test('every unsupported option of the table is reported at its line with the table\'s reason and severity', async () => {
  const cases: Array<{ key: string; value: string; reason: string; severity: string; section: string }> = [];
  for (const s of OPTION_SECTIONS) {
    for (const u of s.unsupported) {
      for (const key of u.keys) cases.push({ key: key.endsWith('.*') ? key.replace('*', 'max.poll.records') : key, value: u.values?.[0] ?? 'x', reason: u.reason, severity: u.severity, section: s.id });
    }
  }
  assert.ok(cases.length > 30);
  for (const c of cases) {
    const opt = `'${c.key}' = '${c.value}'`;
    const kafka = c.section === 'kafka' || c.section === 'json';
    const format = c.section === 'json' || c.section === 'parquet' ? c.section : 'csv';
    const onSink = c.section === 'filesystem' && !c.key.startsWith('source.');
    const src = kafka
      ? `CREATE TABLE t (a INT) WITH ('connector' = 'kafka', 'topic' = 'x', 'properties.bootstrap.servers' = 'k:9092', 'format' = '${format}',\n  ${opt});`
      : `CREATE TABLE t (a INT) WITH ('connector' = 'filesystem', 'path' = '/in', 'format' = '${format}'${onSink ? ');' : `,\n  ${opt});`}`;
    const sink = `CREATE TABLE s (a INT) WITH ('connector' = 'filesystem', 'path' = '/out', 'format' = 'csv'${onSink ? `,\n  ${opt});` : ');'}`;
    const script = onSink ? `${src}\n${sink}\nINSERT INTO s SELECT a FROM t;\n` : `${src}\n${sink}\nINSERT INTO s SELECT a FROM t;\n`;
    const line = script.split('\n').findIndex((l) => l.includes(opt)) + 1;
    const { findings } = await importFlinkFile(await write('unsupported.sql', script));
    const f = findings.find((x) => x.line === line && x.message.includes(`'${c.key}'`));
    assert.ok(f, `${c.key}: no finding at line ${line}: ${JSON.stringify(findings)}`);
    assert.ok(f.message.includes(c.reason), `${c.key}: ${f.message}`);
    assert.equal(f.severity, c.severity, c.key);
  }
});

test('a sink option on the source table is reported, not applied', async () => {
  const { job, findings } = await importFlinkFile(await write('role.sql', `CREATE TABLE t (a INT) WITH ('connector' = 'filesystem', 'path' = '/in', 'format' = 'csv',
  'sink.rolling-policy.file-size' = '1MB');
${SINK}INSERT INTO s SELECT a FROM t;
`));
  assert.equal(job.spec.sink.rollingPolicy, undefined);
  assert.match(needing(findings).find((f) => f.line === 2)!.message, /'sink.rolling-policy.file-size' is a sink option, but the filesystem connector \(table t\) is the source/u);
});

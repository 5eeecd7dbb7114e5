/**
 * The CRD and its CEL rules, checked by the apiserver's own code (crd-validator/, built with Go
 * from k8s.io/apiextensions-apiserver and cached under .cache/crd-validator/):
 * 1. `kubectl apply -f crds/ingestjob.yaml` would be accepted: structural schema, every CEL rule
 *    compiles, every rule's and the whole schema's estimated cost is within budget.
 * 2. The same jobs get the same errors from cel-go in the apiserver and from `validateIngestJob`
 *    (cel-js), so the local validator really is the CRD's twin.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { renderIngestJobCrd } from '../../src/api/crd.ts';
import { ingestJobSchema } from '../../src/api/schema.ts';
import type { JSONSchemaProps } from '../../src/api/schema-types.ts';
import { validateIngestJob } from '../../src/api/validate.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const sourceDir = join(repo, 'test/api/crd-validator');
const cacheDir = join(repo, '.cache/crd-validator');
const binary = join(cacheDir, 'crd-validator');
const crdFile = join(repo, 'crds/ingestjob.yaml');

/** Builds the validator unless the cached binary was built from the same sources. */
async function buildValidator(): Promise<void> {
  const hash = createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) hash.update(readFileSync(join(sourceDir, f)));
  const stamp = join(cacheDir, 'stamp');
  const digest = hash.digest('hex');
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  await mkdir(cacheDir, { recursive: true });
  // A cold build downloads the k8s modules and compiles them: minutes, once per machine.
  await run('go', ['build', '-o', binary, '.'], { cwd: sourceDir, maxBuffer: 16 << 20, timeout: 15 * 60_000 });
  await writeFile(stamp, digest);
}

interface ApiserverError { path: string; type: string; detail: string }

import { edited } from '../helpers/job-edits.ts';
import type { Doc } from '../helpers/job-edits.ts';


/** Every CEL rule message in the schema: an apiserver error with one of these came from CEL. */
function ruleMessages(schema: JSONSchemaProps, into = new Set<string>()): Set<string> {
  for (const r of schema['x-kubernetes-validations'] ?? []) into.add(r.message);
  for (const child of Object.values(schema.properties ?? {})) ruleMessages(child, into);
  if (schema.items !== undefined) ruleMessages(schema.items, into);
  if (schema.additionalProperties !== undefined) ruleMessages(schema.additionalProperties, into);
  return into;
}
const RULE_MESSAGES = ruleMessages(ingestJobSchema);

const fixture = (name: string): Doc => parse(readFileSync(join(repo, `test/fixtures/jobs/${name}.yaml`), 'utf8')) as Doc;

/** Jobs that break each cross-field rule, plus schema errors, plus valid ones. */
const CASES: Array<[string, 'uid-partitions-kafka' | 'wordcount', Record<string, unknown>]> = [
  ['valid kafka seed', 'uid-partitions-kafka', {}],
  ['valid files seed', 'wordcount', {}],
  ['neither source', 'uid-partitions-kafka', { 'spec.source.kafka': undefined }],
  ['both sources', 'uid-partitions-kafka', { 'spec.source.files': { path: '/in' } }],
  ['json flags', 'uid-partitions-kafka', { 'spec.source.format': { type: 'json', failOnMissingField: true, ignoreParseErrors: true } }],
  ['csv option on json', 'uid-partitions-kafka', { 'spec.source.format.nullLiteral': 'NULL' }],
  ['json option on csv', 'wordcount', { 'spec.sink.format.timestampFormat': 'ISO-8601' }],
  ['quote and disabled quote', 'wordcount', { 'spec.sink.format.quoteCharacter': "'", 'spec.sink.format.disableQuoteCharacter': true }],
  ['delimiter equals default quote', 'wordcount', { 'spec.sink.format.fieldDelimiter': '"' }],
  ['duplicate partitionBy', 'uid-partitions-kafka', { 'spec.sink.partitionBy': ['pid', 'uid', 'pid'] }],
  ['timestamp without millis', 'uid-partitions-kafka', { 'spec.source.kafka.startupMode': 'timestamp' }],
  ['millis without timestamp', 'uid-partitions-kafka', { 'spec.source.kafka.startupTimestampMillis': 1700000000000 }],
  ['specific-offsets without offsets', 'uid-partitions-kafka', { 'spec.source.kafka.startupMode': 'specific-offsets' }],
  ['autoOffsetReset outside group-offsets', 'uid-partitions-kafka', { 'spec.source.kafka.autoOffsetReset': 'earliest' }],
  ['dead-letter without target', 'uid-partitions-kafka', { 'spec.source.badRecords': { mode: 'dead-letter' } }],
  ['deadLetter without dead-letter', 'uid-partitions-kafka', { 'spec.source.badRecords': { mode: 'skip', deadLetter: '/dlq' } }],
  ['kafka dead letter on files', 'wordcount', { 'spec.source.badRecords': { mode: 'dead-letter', deadLetter: 'kafka://dlq' } }],
  ['partition-time without partitionBy or watermark', 'wordcount', { 'spec.sink.partitionCommit': { trigger: 'partition-time' } }],
  ['watermark column not in schema', 'uid-partitions-kafka', { 'spec.source.watermark': { column: 'ts' } }],
  ['cache namespace without ossUri', 'uid-partitions-kafka', { 'spec.storage.jindofs.namespaces.test.ossUri': undefined }],
  ['block namespace without mount', 'uid-partitions-kafka', { 'spec.storage.jindofs.namespaces.test.mode': 'block' }],
  ['bad namespace name', 'uid-partitions-kafka', { 'spec.storage.jindofs.namespaces.Test_1': { mode: 'block', fuseMountPath: '/mnt' } }],
  ['credentials twice', 'uid-partitions-kafka', { 'spec.storage.jindofs.namespaces.test.fromEnv': true }],
  ['undefined jfs namespace', 'uid-partitions-kafka', { 'spec.sink.path': 'jfs://prod/x' }],
  ['undefined jfs namespace in source', 'wordcount', { 'spec.source.files.path': 'jfs://prod/words.txt' }],
  ['oss without storage.oss', 'wordcount', { 'spec.sink.path': 'oss://bucket/out' }],
  ['sasl without SASL protocol, secret given twice', 'uid-partitions-kafka', {
    'spec.source.kafka.security': { protocol: 'SSL', sasl: { mechanism: 'PLAIN', username: { value: 'u', env: 'U' }, password: { env: 'P', file: '/p' } } },
  }],
  ['tls without SSL', 'uid-partitions-kafka', { 'spec.source.kafka.security': { tls: { ca: { file: '/ca.pem' } } } }],
  ['schema errors', 'uid-partitions-kafka', {
    'spec.parallelism': 0,
    'spec.source.kafka.startupMode': 'latest',
    'spec.sink.rollingPolicy.fileSize': '2 megs',
    'spec.checkpoint.interval': '5 mins',
    'spec.source.schema.1': { name: 'uid', type: 'BIGINT' },
    'spec.sink.format.fieldDelimiter': '||',
  }],
  ['a one-character non-ASCII delimiter (lengths count characters)', 'wordcount', { 'spec.sink.format.fieldDelimiter': '§' }],
  ['status', 'uid-partitions-kafka', { status: { phase: 'Done', runners: [{ index: 0, state: 'Running' }, { index: 0, state: 'Failed' }] } }],
];

describe('the apiserver and validateIngestJob agree', { timeout: 20 * 60_000 }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-crd-'));
    await buildValidator();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts crds/ingestjob.yaml (structural schema, CEL compiles, cost within budget)', async () => {
    assert.equal(await readFile(crdFile, 'utf8'), renderIngestJobCrd(), 'crds/ingestjob.yaml is stale: run npx node src/api/generate-crd.ts');
    const { stdout } = await run(binary, [crdFile]);
    assert.equal(stdout.trim(), 'CRD valid');
  });

  it('rejects a CRD whose rule names an undefined field, or whose list is unbounded (the check is real)', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(
      broken,
      renderIngestJobCrd()
        .replace("self.mode != 'cache' || has(self.ossUri)", "self.mode != 'cache' || has(self.ossUrl)")
        .replace(/(partitionBy:\n(?: +.*\n)*? +)maxItems: 16\n/u, '$1maxItems: 100000\n'),
    );
    const failure = await run(binary, [broken]).then(() => null, (error: unknown) => error as { code: number; stdout: string });
    assert.ok(failure !== null, 'the broken CRD was accepted');
    assert.equal(failure.code, 1);
    assert.match(failure.stdout, /undefined field 'ossUrl'/);
    assert.match(failure.stdout, /estimated rule cost exceeds budget/);
  });

  it('gives the same errors for the same jobs', async () => {
    const files: string[] = [];
    for (const [i, [, base, edits]] of CASES.entries()) {
      const file = join(dir, `case-${i}.json`);
      await writeFile(file, JSON.stringify(edited(fixture(base), edits)));
      files.push(file);
    }
    const { stdout } = await run(binary, [crdFile, ...files], { maxBuffer: 16 << 20 });
    const results = stdout.trim().split('\n').map((line) => JSON.parse(line) as { file: string; errors: ApiserverError[] });
    assert.equal(results.length, CASES.length);

    let ruleCasesCompared = 0;
    for (const [i, [title, base, edits]] of CASES.entries()) {
      const remote = results[i]!.errors;
      const local = validateIngestJob(edited(fixture(base), edits), { celOnly: true });
      // CEL errors carry the rule's own message; schema errors are worded differently by the
      // apiserver (it quotes the regex), so for those only the fields must match.
      const isRule = (message: string): boolean => RULE_MESSAGES.has(message);
      const blocked = remote.some((e) => e.detail.startsWith('some validation rules were not checked'));
      assert.deepEqual(
        [...new Set(local.filter((e) => !isRule(e.message)).map((e) => e.path))].sort(),
        [...new Set(remote.filter((e) => !isRule(e.detail) && e.path !== '<nil>').map((e) => e.path))].sort(),
        `${title}: different fields flagged by the schema`,
      );
      if (blocked) continue; // the apiserver skips every rule then; the local validator still checks well-formed parts
      assert.deepEqual(
        local.filter((e) => isRule(e.message)).map((e) => `${e.path}: ${e.message}`).sort(),
        remote.filter((e) => isRule(e.detail)).map((e) => `${e.path}: ${e.detail}`).sort(),
        `${title}: the CEL rules disagree`,
      );
      if (remote.some((e) => isRule(e.detail))) ruleCasesCompared++;
    }
    assert.ok(ruleCasesCompared >= 24, `only ${ruleCasesCompared} cases exercised CEL rules on both sides`);
    assert.ok(results.some((r) => r.errors.length === 0), 'valid seeds must pass the apiserver too');
  });
});

/**
 * Exactly once under kill -9, on local disk: a child `sluice run` ingests 2,000,000 sequenced
 * records with 100 ms checkpoints and small rolling files; it is killed with SIGKILL at random
 * moments after it restored, and at failpoints inside the commit protocol (after the record is
 * written, between two file publishes, before the progress marker, during recovery), and
 * restarted each time. In the end every sequence number is visible exactly once, in the right
 * partition, and no temp or in-progress file is left where a reader looks.
 *
 * It runs once per sink format: plain CSV (checked line by line), gzip CSV and Parquet (read
 * by DuckDB, which fails on any truncated stream or footer-less file: every visible file must
 * be complete).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { SluiceProcess, runSluice } from '../helpers/sluice-process.ts';
import { allFiles, readLines, visibleFiles } from '../helpers/visible-files.ts';
import { crashSeed, prng } from '../helpers/prng.ts';
import { duckdb, lit } from '../helpers/duckdb.ts';

const RECORDS = 2_000_000;

async function writeInput(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += `{"seq": ${i}, "uid": ${(i * 7919) % 101}}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** The sink formats the test runs with: the format block, and how DuckDB reads the visible files (null: line by line). */
const FORMATS: Array<{ name: string; format: string; read: ((glob: string) => string) | null }> = [
  { name: 'CSV', format: '{type: csv}', read: null },
  { name: 'gzip CSV', format: '{type: csv, compression: gzip}', read: (g) => `read_csv(${g}, hive_partitioning = true, header = false, columns = {'seq': 'BIGINT', 'uid': 'INTEGER'})` },
  { name: 'Parquet', format: '{type: parquet}', read: (g) => `read_parquet(${g}, hive_partitioning = true)` },
];

for (const f of FORMATS) {
  test(`${f.name}: SIGKILL at random moments and inside the commit protocol: every record exactly once`, { timeout: 600_000 }, async () => {
    const seed = crashSeed();
    const rand = prng(seed);
    const dir = await mkdtemp(path.join(tmpdir(), 'sluice-crash-'));
    await writeInput(path.join(dir, 'in.jsonl'), RECORDS);
    const job = path.join(dir, 'job.yaml');
    await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: crash}
spec:
  source:
    files: {path: in.jsonl}
    format: {type: json}
    schema: [{name: seq, type: BIGINT}, {name: uid, type: INT}]
  transform:
    functions: [{name: uid_to_pid, params: [{name: uid, type: INT}], returns: INT, expression: "PMOD(uid, 3)"}]
    query: SELECT seq, uid, uid_to_pid(uid) AS pid FROM source
  sink:
    path: out
    format: ${f.format}
    partitionBy: [pid]
    rollingPolicy: {fileSize: 64kb}
    partitionCommit: {policy: [success-file]}
  checkpoint: {interval: 100ms}
`);
    // Failpoint kills (deterministic windows of the protocol) interleaved with random-time kills.
    const plan = [
      'after-record:1', 'random', 'mid-commit:2', 'random', 'before-marker:1', 'random', 'mid-recovery:1', 'random',
      'mid-commit:1', 'random', 'after-record:2', 'random', 'before-marker:2', 'random', 'after-takeover-record:1', 'random',
    ];
    let kills = 0;
    const log: string[] = [];
    for (const step of plan) {
      // capped rate: each step covers about the same share of the input on an idle or a busy machine
      const env: Record<string, string> = { SLUICE_TEST_MAX_RATE: '300000', ...(step === 'random' ? {} : { SLUICE_FAILPOINTS: step }) };
      const p = new SluiceProcess(['run', job, '--json'], env);
      if (step === 'random') {
        await p.waitFor((e) => e.event === 'restore');
        const delay = Math.floor(rand() * 150);
        await new Promise((r) => setTimeout(r, delay)); // the random moment itself is the point here
        p.kill('SIGKILL');
      }
      const x = await p.exited;
      const killed = x.signal === 'SIGKILL';
      log.push(`${step}: ${killed ? "killed" : `exit ${x.code}`}`);
      if (killed) kills++;
      else assert.equal(x.code, 0, `run ended with ${x.code}: ${p.stderr}`);
      if (!killed) break; // the job finished before the plan ran out
    }
    assert.ok(kills >= 10, `only ${kills} kills landed before the job finished (seed ${seed}): ${log.join('; ')}`);
    const final = await runSluice(['run', job, '--json']);
    assert.equal(final.code, 0, final.stderr);
    const summary = final.events.find((e) => e.event === 'summary');
    assert.equal(summary?.finished, true);
    assert.equal(summary?.recordsCommitted, RECORDS);

    const out = path.join(dir, 'out');
    if (f.read !== null) {
      // every visible file, read whole by an independent reader: a truncated one fails the query
      const from = f.read(lit(path.join(out, 'pid=*', 'part-*')));
      const [totals] = await duckdb(`SELECT count(*)::VARCHAR AS n, count(DISTINCT seq)::VARCHAR AS d, min(seq)::VARCHAR AS lo, max(seq)::VARCHAR AS hi,
        count(*) FILTER (WHERE uid % 3 != pid::INTEGER)::VARCHAR AS misplaced, count(DISTINCT filename)::VARCHAR AS files FROM ${from}`);
      const twice = await duckdb(`SELECT seq::VARCHAR AS seq FROM ${from} GROUP BY seq HAVING count(*) > 1 LIMIT 5`);
      assert.deepEqual(twice, [], `visible twice (seed ${seed})`);
      assert.deepEqual({ ...totals, files: undefined }, { n: String(RECORDS), d: String(RECORDS), lo: '0', hi: String(RECORDS - 1), misplaced: '0', files: undefined }, `seed ${seed}`);
      assert.ok(Number(totals!.files) > 3, `${totals!.files} files`);
    }
    const seen = new Uint8Array(RECORDS);
    for (const pid of f.read === null ? ['0', '1', '2'] : []) {
      const files = await visibleFiles(path.join(out, `pid=${pid}`));
      assert.ok(files.length > 1, `pid=${pid} has ${files.length} files`);
      for (const line of await readLines(files)) {
        const [seqText, uidText] = line.split(',');
        const seq = Number(seqText);
        assert.ok(Number.isInteger(seq) && seq >= 0 && seq < RECORDS, `bad line '${line}'`);
        assert.equal(Number(uidText) % 3, Number(pid), `seq ${seq} in the wrong partition`);
        assert.equal(seen[seq], 0, `seq ${seq} is visible twice (seed ${seed})`);
        seen[seq] = 1;
      }
    }
    for (const pid of ['0', '1', '2']) {
      assert.deepEqual(await readdir(path.join(out, `pid=${pid}`)).then((n) => n.filter((x) => x === '_SUCCESS')), ['_SUCCESS']);
    }
    const missing = f.read === null ? seen.indexOf(0) : -1;
    assert.equal(missing, -1, `seq ${missing} is missing (seed ${seed})`);
    const hidden = (await allFiles(out)).filter((f) => path.basename(f).startsWith('.'));
    assert.deepEqual(hidden, [], 'temp/in-progress files left behind');
    // a kill mid-write of a record or marker leaves a temp in the state directory; the next run sweeps it
    const stateTemps = (await readdir(path.join(out, '_sluice'), { recursive: true })).filter((f) => f.includes('.inprogress.'));
    assert.deepEqual(stateTemps, [], 'temp files left in the checkpoint directory');
  });
}

/**
 * `sluice run FILE --runner i/N`: N processes share a directory of files (file j goes to runner
 * j % N), each with its own checkpoint lineage; a partition gets `_SUCCESS` only after every
 * runner has published its data up to that checkpoint, so the last runner to finish commits it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SluiceProcess } from '../helpers/sluice-process.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';

test('three runners share a directory; every record once; _SUCCESS after all of them', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-par-'));
  await mkdir(path.join(dir, 'in'));
  let seq = 0;
  for (let f = 0; f < 7; f++) {
    const lines: string[] = [];
    for (let i = 0; i < 20_000 * (f + 1); i++, seq++) lines.push(`{"seq": ${seq}, "uid": ${seq % 101}}`);
    await writeFile(path.join(dir, 'in', `part-${f}.jsonl`), lines.join('\n') + '\n');
  }
  await writeFile(path.join(dir, 'in', '_ignored'), 'not data\n');
  const job = path.join(dir, 'job.yaml');
  await writeFile(job, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: par}
spec:
  source: {files: {path: in}, format: {type: json}, schema: [{name: seq, type: BIGINT}, {name: uid, type: INT}]}
  transform: {query: "SELECT seq, PMOD(uid, 3) AS pid FROM source"}
  sink: {path: out, format: {type: csv}, partitionBy: [pid], partitionCommit: {policy: [success-file]}}
  checkpoint: {interval: 200ms}
  parallelism: 3
`);
  const runners = [0, 1, 2].map((i) => new SluiceProcess(['run', job, '--runner', `${i}/3`, '--json']));
  for (const r of runners) {
    const x = await r.exited;
    assert.equal(x.code, 0, r.stderr);
  }
  const restores = runners.map((r) => r.events.find((e) => e.event === 'restore')!);
  assert.deepEqual(restores.map((e) => [e.runner, e.parallelism]), [[0, 3], [1, 3], [2, 3]]);
  const committed = runners.map((r) => r.events.find((e) => e.event === 'summary')!.recordsCommitted as number);
  assert.deepEqual(committed, [(1 + 4 + 7) * 20_000, (2 + 5) * 20_000, (3 + 6) * 20_000]);
  const out = path.join(dir, 'out');
  const seen = new Uint8Array(seq);
  for (const pid of [0, 1, 2]) {
    for (const l of await readLines(await visibleFiles(path.join(out, `pid=${pid}`)))) {
      const s = Number(l);
      assert.equal(seen[s], 0, `seq ${s} twice`);
      seen[s] = 1;
      assert.equal((s % 101) % 3, pid);
    }
    assert.ok((await readdir(path.join(out, `pid=${pid}`))).includes('_SUCCESS'));
  }
  assert.equal(seen.indexOf(0), -1);
});

/**
 * The seed's Kafka job (`uid-partitions-kafka.yaml`) as the k8s e2e tests run it: local sink,
 * runners pinned to the test's own kubelet node, `seq` in every record; and what its sink must
 * hold: every `seq,uid` line in its own `pid=` directory, every seq exactly once.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import type { IngestJob } from '../../src/api/types.ts';
import { readLines, visibleFiles } from '../helpers/visible-files.ts';
import { REPO } from '../helpers/sluice-process.ts';
import type { E2eCluster } from './e2e-cluster.ts';

/** A seed fixture with local paths, its runners pinned to the cluster's own kubelet node; written to the test dir. */
export async function fixtureJob(c: E2eCluster, file: string, edit: (spec: IngestJob['spec']) => void, name?: string): Promise<string> {
  const job = parse(await readFile(path.join(REPO, 'test/fixtures/jobs', file), 'utf8')) as IngestJob;
  if (name) job.metadata.name = name;
  delete job.spec.storage; // local paths need no storage configuration
  job.spec.runner = { podTemplate: { spec: { nodeName: c.nodeName, terminationGracePeriodSeconds: 30 } } };
  edit(job.spec);
  const out = path.join(c.dir, `${job.metadata.name}.yaml`);
  await writeFile(out, stringify(job));
  return out;
}

/** The uid job reading `topic` from the start, seq and uid in every record, into `sink`. */
export function uidJobSpec(spec: IngestJob['spec'], o: { bootstrap: string; topic: string; sink: string }): void {
  spec.source.kafka = { ...spec.source.kafka!, bootstrapServers: [o.bootstrap], topic: o.topic, startupMode: 'earliest-offset' };
  spec.source.schema = [{ name: 'seq', type: 'BIGINT' }, { name: 'uid', type: 'INT' }];
  spec.transform!.query = 'SELECT seq, uid, uid_to_pid(uid) AS pid FROM source';
  spec.sink.path = o.sink;
  spec.checkpoint = { interval: '1s' };
}

/** Every line `seq,uid` of the sink, checked against its `pid=` directory; seqs in order of reading. */
export async function sinkRecords(sink: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const pid of [0, 1, 2]) {
    for (const line of await readLines(await visibleFiles(path.join(sink, `pid=${pid}`)))) {
      const m = /^(\d+),(\d+)$/.exec(line);
      assert.ok(m, `a line of pid=${pid} is not seq,uid: ${JSON.stringify(line)}`);
      assert.equal(Number(m[2]) % 3, pid, `uid ${m[2]} (seq ${m[1]}) is in pid=${pid}`);
      seqs.push(Number(m[1]));
    }
  }
  return seqs;
}

export function assertExactlyOnce(seqs: number[], total: number): void {
  const sorted = [...seqs].sort((a, b) => a - b);
  const dups = sorted.filter((s, i) => i > 0 && sorted[i - 1] === s);
  assert.deepEqual(dups.slice(0, 10), [], `${dups.length} duplicated seqs`);
  assert.equal(sorted.length, total, `the sink holds ${sorted.length} records of ${total}`);
  assert.equal(sorted[0], 0);
  assert.equal(sorted.at(-1), total - 1);
}

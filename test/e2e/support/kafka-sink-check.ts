/**
 * The end state the Kafka crash test demands of a local partitioned-CSV sink written by
 * `SELECT seq, uid, PMOD(uid, 3) AS pid`: read as a Hive/Flink reader would (names starting with
 * `.` or `_` skipped), every seq 0..records-1 is visible exactly once, each line sits in the
 * partition PMOD(uid, 3) names, every partition has `_SUCCESS`, and no hidden temp/in-progress
 * file is left anywhere outside Sluice's own `_sluice/` state.
 *
 * Unlike `sink-check.ts` the uid is not a function of seq: `sluice produce` draws it at random,
 * so the check is on the partition the uid implies, and on the uid's range.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { allFiles, readLines, visibleFiles } from '../../helpers/visible-files.ts';

export interface KafkaSinkSummary {
  visibleFiles: number;
  /** Lines per partition, pid=0..2. */
  perPartition: number[];
}

export async function checkKafkaSinkExactlyOnce(out: string, records: number, uidLimit: number, seed: number): Promise<KafkaSinkSummary> {
  const hidden = (await allFiles(out)).filter((f) => path.basename(f).startsWith('.'));
  assert.deepEqual(hidden.map((f) => path.relative(out, f)), [], `hidden temp/in-progress files left under the sink (seed ${seed})`);
  const top = (await readdir(out)).filter((n) => !n.startsWith('_') && !n.startsWith('.')).sort();
  assert.deepEqual(top, ['pid=0', 'pid=1', 'pid=2'], 'the sink holds exactly the three partitions');
  const seen = new Uint8Array(records);
  const perPartition = [0, 0, 0];
  let files = 0;
  for (const pid of [0, 1, 2]) {
    const dir = path.join(out, `pid=${pid}`);
    assert.ok((await readdir(dir)).includes('_SUCCESS'), `pid=${pid}/_SUCCESS is missing (seed ${seed})`);
    const visible = await visibleFiles(dir);
    files += visible.length;
    for (const line of await readLines(visible)) {
      const comma = line.indexOf(',');
      const seq = Number(line.slice(0, comma));
      const uid = Number(line.slice(comma + 1));
      assert.ok(comma > 0 && Number.isInteger(seq) && seq >= 0 && seq < records, `pid=${pid}: bad line '${line.slice(0, 80)}'`);
      assert.ok(Number.isInteger(uid) && uid >= 0 && uid <= uidLimit, `pid=${pid}: seq ${seq} has uid '${line.slice(comma + 1)}' outside 0..${uidLimit}`);
      assert.equal(uid % 3, pid, `seq ${seq} (uid ${uid}) is in pid=${pid}, not pid=${uid % 3}`);
      assert.equal(seen[seq], 0, `seq ${seq} is visible twice (seed ${seed})`);
      seen[seq] = 1;
      perPartition[pid]!++;
    }
  }
  const missing = seen.indexOf(0);
  assert.equal(missing, -1, `seq ${missing} is missing (seed ${seed})`);
  return { visibleFiles: files, perPartition };
}

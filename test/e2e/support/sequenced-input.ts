/**
 * The input every crash test ingests: JSON lines `{"seq": i, "uid": u, "pad": "..."}` with
 * seq = 0..n-1 exactly once, so the output can be checked record by record. uid spreads the
 * records over PMOD(uid, 3) partitions (the seed's `uid_to_pid`); a job with `partitions: N`
 * spreads them over PMOD(seq, N) instead, round robin, so every N consecutive records touch all
 * N partitions; `pad` makes records heavier when a test needs its uploads to be multipart-sized.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** The uid of record `seq` (what the checker expects to find beside it). */
export function uidOf(seq: number): number {
  return (seq * 7919) % 101;
}

/** The partition (`pid`) of record `seq` in a job of `partitions` partitions (default: the seed's 3 by uid). */
export function partitionOf(seq: number, partitions?: number): number {
  return partitions === undefined ? uidOf(seq) % 3 : seq % partitions;
}

export async function writeSequencedInput(file: string, n: number, padBytes = 0): Promise<void> {
  const out = createWriteStream(file);
  const pad = 'x'.repeat(padBytes);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += `{"seq": ${i}, "uid": ${uidOf(i)}, "pad": "${pad}"}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

export interface SequencedJob {
  name: string;
  /** The sink root URI. */
  sink: string;
  /** The `spec.storage` body, each line indented by four spaces (none: local disk). */
  storage?: string;
  /** Roll files at this size (Flink memory size, e.g. `64kb`). */
  fileSize: string;
  /** Read the `pad` column too (when the input was written with padBytes > 0). */
  pad?: boolean;
  uploadPartSize?: string;
  /** More `spec` fields, each line indented by two spaces. */
  extra?: string;
  /** The sink's format block. @default '{type: csv}' */
  format?: string;
  /** Partition by PMOD(seq, partitions) rather than the seed's uid_to_pid (3 partitions). */
  partitions?: number;
  /** More `spec.sink` fields, each line indented by four spaces. */
  sinkExtra?: string;
  /** @default '250ms' */
  checkpointInterval?: string;
}

/**
 * The job every crash test runs over the sequenced input (`in.jsonl` beside the job file): the
 * seed's `uid_to_pid` (or PMOD(seq, partitions)), CSV (or `format`) partitioned by pid with
 * `_SUCCESS`, checkpoints every 250 ms (or `checkpointInterval`).
 */
export function sequencedJobYaml(o: SequencedJob): string {
  const pad = o.pad === true;
  const pid = o.partitions === undefined ? 'uid_to_pid(uid)' : `PMOD(seq, ${o.partitions})`;
  return `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: ${o.name}}
spec:
  source:
    files: {path: in.jsonl}
    format: {type: json}
    schema: [{name: seq, type: BIGINT}, {name: uid, type: INT}${pad ? ', {name: pad, type: STRING}' : ''}]
  transform:
    functions: [{name: uid_to_pid, params: [{name: uid, type: INT}], returns: INT, expression: "PMOD(uid, 3)"}]
    query: SELECT seq, uid, ${pad ? 'pad, ' : ''}${pid} AS pid FROM source
  sink:
    path: ${o.sink}
    format: ${o.format ?? '{type: csv}'}
    partitionBy: [pid]
    rollingPolicy: {fileSize: ${o.fileSize}}
${o.uploadPartSize !== undefined ? `    uploadPartSize: ${o.uploadPartSize}\n` : ''}${o.sinkExtra ?? ''}    partitionCommit: {policy: [success-file]}
  checkpoint: {interval: ${o.checkpointInterval ?? '250ms'}}
${o.extra ?? ''}${o.storage === undefined ? '' : `  storage:\n${o.storage}\n`}`;
}

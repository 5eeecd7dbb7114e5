/**
 * The input every crash test ingests: JSON lines `{"seq": i, "uid": u, "pad": "..."}` with
 * seq = 0..n-1 exactly once, so the output can be checked record by record. uid spreads the
 * records over PMOD(uid, 3) partitions; `pad` makes records heavier when a test needs its
 * uploads to be multipart-sized.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** The uid of record `seq` (what the checker expects to find beside it). */
export function uidOf(seq: number): number {
  return (seq * 7919) % 101;
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
  /** The `spec.storage` body, each line indented by four spaces. */
  storage: string;
  /** Roll files at this size (Flink memory size, e.g. `64kb`). */
  fileSize: string;
  /** Read the `pad` column too (when the input was written with padBytes > 0). */
  pad?: boolean;
  uploadPartSize?: string;
  /** More `spec` fields, each line indented by two spaces. */
  extra?: string;
  /** The sink's format block. @default '{type: csv}' */
  format?: string;
}

/**
 * The job every crash test runs over the sequenced input (`in.jsonl` beside the job file): the
 * seed's `uid_to_pid`, CSV (or `format`) partitioned by pid with `_SUCCESS`, checkpoints every 250 ms.
 */
export function sequencedJobYaml(o: SequencedJob): string {
  const pad = o.pad === true;
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
    query: SELECT seq, uid, ${pad ? 'pad, ' : ''}uid_to_pid(uid) AS pid FROM source
  sink:
    path: ${o.sink}
    format: ${o.format ?? '{type: csv}'}
    partitionBy: [pid]
    rollingPolicy: {fileSize: ${o.fileSize}}
${o.uploadPartSize !== undefined ? `    uploadPartSize: ${o.uploadPartSize}\n` : ''}    partitionCommit: {policy: [success-file]}
  checkpoint: {interval: 250ms}
${o.extra ?? ''}  storage:
${o.storage}
`;
}

/**
 * Runs `sluice run` on a storage bench job (built dist/, as in the image) and returns what the
 * report needs: the job's own time (restore to final commit, from its summary), records and output bytes committed.
 */
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface JobRun {
  seconds: number;
  records: number;
  bytes: number;
  files: number;
  maxRssMb: number;
  /** CPU seconds of the job's process over `seconds` (all threads), from its summary. */
  cpuSeconds: number;
}

export interface StorageJob {
  name: string;
  input: string;
  sink: string;
  /** YAML lines under `spec.storage:` (indented by 4); '' for a local sink. */
  storage: string;
  fileSize: string;
  uploadPartSize?: string;
}

/**
 * The bench job: `{"uid", "payload"}` JSON lines → SELECT uid, payload, PMOD(uid, 3) AS pid →
 * CSV partitioned by pid, with a success file per partition.
 */
export function payloadJobYaml(j: StorageJob, checkpointInterval = '10s'): string {
  return `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: ${j.name}}
spec:
  source: {files: {path: ${JSON.stringify(j.input)}}, format: {type: json}, schema: [{name: uid, type: INT}, {name: payload, type: STRING}]}
  transform:
    functions: [{name: uid_to_pid, params: [{name: uid, type: INT}], returns: INT, expression: "PMOD(uid, 3)"}]
    query: SELECT uid, payload, uid_to_pid(uid) AS pid FROM source
  sink:
    path: ${JSON.stringify(j.sink)}
    format: {type: csv}
    partitionBy: [pid]
    rollingPolicy: {fileSize: ${j.fileSize}}
${j.uploadPartSize ? `    uploadPartSize: ${j.uploadPartSize}\n` : ''}    partitionCommit: {policy: [success-file]}
  checkpoint: {interval: ${checkpointInterval}}
${j.storage === '' ? '' : `  storage:\n${j.storage}\n`}`;
}

export interface SluiceRunOptions {
  env?: Record<string, string>;
  /** Called once the process is spawned, with its pid (bin/sluice.mjs's shebang execs node, so it is node's own). */
  onSpawn?: (pid: number) => void;
  /**
   * Stop the run after this long: SIGTERM (the runner takes a final checkpoint and exits 0 with a
   * summary), then SIGKILL if it is still running `killAfterMs` later.
   */
  timeoutMs?: number;
  killAfterMs?: number;
}

export interface SluiceRun {
  events: Array<Record<string, unknown>>;
  /** The run was stopped by `timeoutMs` (SIGTERM), and also SIGKILLed when it outlasted `killAfterMs`. */
  stopped: boolean;
  killed: boolean;
}

/** `sluice run <file> --json` from the built dist/; its events, or an error with its stderr's tail. */
export async function spawnSluiceJob(file: string, o: SluiceRunOptions = {}): Promise<SluiceRun> {
  let stopped = false;
  let killed = false;
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(path.join(REPO, 'bin/sluice.mjs'), ['run', file, '--json'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env, SLUICE_DIST: '1' } });
    if (c.pid !== undefined) o.onSpawn?.(c.pid);
    const timers: NodeJS.Timeout[] = [];
    if (o.timeoutMs !== undefined) {
      timers.push(setTimeout(() => {
        stopped = true;
        c.kill('SIGTERM');
        timers.push(setTimeout(() => ((killed = true), c.kill('SIGKILL')), o.killAfterMs ?? 120_000));
      }, o.timeoutMs));
    }
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    c.on('exit', (x) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code: x, stdout: out, stderr: err });
    });
  });
  if (code !== 0 && !killed) throw new Error(`${file}: sluice run exited ${code}: ${stderr.slice(-2000)}`);
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  // a SIGKILLed run may have been cut mid-line
  const events = lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch (e) {
      if (killed) return [];
      throw e;
    }
  });
  return { events, stopped, killed };
}

export async function runSluiceJob(file: string, env: Record<string, string> = {}): Promise<Array<Record<string, unknown>>> {
  return (await spawnSluiceJob(file, { env })).events;
}

export async function runStorageJob(dir: string, j: StorageJob, env: Record<string, string> = {}): Promise<JobRun> {
  const job = path.join(dir, `${j.name}.yaml`);
  await writeFile(job, payloadJobYaml(j));
  const t0 = performance.now();
  const events = await runSluiceJob(job, env);
  const seconds = (performance.now() - t0) / 1000;
  const summary = events.find((e) => e.event === 'summary');
  if (summary === undefined) throw new Error(`${j.name}: no summary event`);
  return {
    // the job's own time (restore to final commit), like the raw upload's; Node start-up excluded
    seconds: (summary.elapsedSeconds as number | undefined) ?? seconds,
    records: summary.recordsCommitted as number,
    bytes: summary.bytesCommitted as number,
    files: summary.filesCommitted as number,
    maxRssMb: summary.maxRssMb as number,
    cpuSeconds: summary.cpuSeconds as number,
  };
}

/**
 * The same job into a local directory: what the pipeline itself (decode, transform, encode,
 * checkpoints) sustains on this machine, the ceiling any remote sink can reach.
 */
export async function runLocalCeiling(dir: string, input: string, fileSize: string): Promise<JobRun> {
  const out = path.join(dir, 'storage-local-out');
  await rm(out, { recursive: true, force: true });
  try {
    return await runStorageJob(dir, { name: 'bench-storage-local', input, sink: out, fileSize, storage: '' });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

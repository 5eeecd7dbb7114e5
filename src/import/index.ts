/**
 * @module import — `sluice import`: Flink SQL scripts and PyFlink programs → an IngestJob.
 * See README.md for how the parts fit.
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { buildIngestJob, type ImportResult } from './build-job.ts';
import { readFlinkSql } from './flink-script.ts';
import { readPyFlink } from './pyflink-program.ts';

export { ImportError, formatFinding, type Finding } from './findings.ts';
export type { ImportResult } from './build-job.ts';

/** A `.py` file is a PyFlink program; anything else is read as Flink SQL. */
export async function importFlinkFile(file: string, opts: { name?: string } = {}): Promise<ImportResult> {
  if (file.endsWith('.py')) {
    await access(file, constants.R_OK); // the reader's own error would be a Python traceback
    const program = await readPyFlink(file);
    return buildIngestJob(program, { file, name: opts.name, registered: program.registered, udfs: program.udfs });
  }
  const script = await readFlinkSql(await readFile(file, 'utf8'));
  return buildIngestJob(script, { file, name: opts.name });
}

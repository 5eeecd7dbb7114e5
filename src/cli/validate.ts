/** `sluice validate FILE` and `sluice crd`. */
import { renderIngestJobCrd } from '../api/crd.ts';
import { loadIngestJob } from '../api/load.ts';
import { checkJobPlan, formatPlanErrors } from '../pipeline/job-plan.ts';
import { isOsError } from '../storage/os-error.ts';
import { debugEnabled, errorText } from './error-output.ts';

export async function validateCommand(argv: string[]): Promise<number> {
  const file = argv[0];
  if (file === undefined) {
    process.stderr.write('usage: sluice validate FILE\n');
    return 2;
  }
  try {
    const { job } = await loadIngestJob(file);
    const plan = checkJobPlan(job);
    if (plan.length > 0) {
      process.stderr.write(formatPlanErrors(file, plan) + '\n');
      return 1;
    }
    process.stdout.write(`${file}: IngestJob ${job.metadata.name} is valid\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${isOsError(e) || debugEnabled() ? errorText(e) : (e as Error).message}\n`);
    return 1;
  }
}

export function crdCommand(): number {
  process.stdout.write(renderIngestJobCrd());
  return 0;
}

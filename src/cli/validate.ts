/**
 * `sluice validate FILE [--kubernetes]` and `sluice crd`. `--kubernetes` adds the rule the
 * admission webhook applies: paths must be absolute or scheme-qualified in a runner pod.
 */
import { renderIngestJobCrd } from '../api/crd.ts';
import { loadIngestJob } from '../api/load.ts';
import { kubernetesPathErrors } from '../pipeline/job-check.ts';
import { checkJobPlan, formatPlanErrors } from '../pipeline/job-plan.ts';
import { isOsError } from '../storage/os-error.ts';
import { debugEnabled, errorText } from './error-output.ts';

export async function validateCommand(argv: string[]): Promise<number> {
  const onKubernetes = argv.includes('--kubernetes');
  const file = argv.find((a) => a !== '--kubernetes');
  if (file === undefined) {
    process.stderr.write('usage: sluice validate FILE [--kubernetes]\n');
    return 2;
  }
  try {
    const { job } = await loadIngestJob(file);
    const plan = [...(onKubernetes ? kubernetesPathErrors(job) : []), ...checkJobPlan(job)];
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

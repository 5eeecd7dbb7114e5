/**
 * `sluice` command line: run, validate, import, crd, produce (and, on Kubernetes, runner / operator).
 */
import { runCommand } from './run.ts';
import { validateCommand, crdCommand } from './validate.ts';
import { errorText } from './error-output.ts';

const USAGE = `usage: sluice <command> [options] [--debug]

commands:
  run FILE [--runner i/N] [--json]   run an IngestJob in this process (the embedded default)
  validate FILE                       check an IngestJob; lists every error by field path
  import FILE [-o OUT] [--name NAME]  turn a Flink SQL script or PyFlink program into an IngestJob
  crd                                 print the IngestJob CustomResourceDefinition
  produce [options]                   load producer for Kafka (the seed's producer.py)
  runner --namespace NS --job NAME --index I --parallelism N
                                      run one runner of an IngestJob in a pod, reporting status
  operator [options]                  run the IngestJob controller
  uninstall-guard [options]           the Helm chart's pre-delete hook

Errors are one line naming the path or field and the cause; --debug (or SLUICE_DEBUG=1)
adds the stack of the error and of each cause.
`;

export async function main(args: string[]): Promise<number> {
  // --debug anywhere: stacks with every error (the same as SLUICE_DEBUG=1, which child
  // processes and runner pods inherit)
  const argv = args.filter((a) => a !== '--debug');
  if (argv.length !== args.length) process.env.SLUICE_DEBUG = '1';
  try {
    return await dispatch(argv);
  } catch (e) {
    process.stderr.write(`sluice: ${errorText(e)}\n`);
    return 1;
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run':
      return runCommand(rest);
    case 'validate':
      return validateCommand(rest);
    case 'crd':
      return crdCommand();
    case 'import': {
      // lazy: the Flink SQL grammar is large and only this verb needs it
      const { importCommand } = await import('./import.ts');
      return importCommand(rest);
    }
    case 'produce': {
      const { produceCommand } = await import('./produce.ts');
      return produceCommand(rest);
    }
    case 'runner': {
      // lazy: `sluice run` never loads the Kubernetes client
      const { runnerCommand } = await import('./runner.ts');
      return runnerCommand(rest);
    }
    case 'operator': {
      const { operatorCommand } = await import('./operator.ts');
      return operatorCommand(rest);
    }
    case 'uninstall-guard': {
      // the chart's pre-delete hook (see charts/sluice/templates/uninstall-guard.yaml)
      const { uninstallGuardCommand } = await import('./uninstall-guard.ts');
      return uninstallGuardCommand(rest);
    }
    case '--version':
    case 'version':
      process.stdout.write('sluice 0.1.0\n');
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`sluice: unknown command '${cmd}'\n${USAGE}`);
      return 2;
  }
}

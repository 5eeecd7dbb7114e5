/**
 * `sluice operator [--namespace NS | all] [--kubeconfig FILE] [--metrics-port 8080]
 *   [--leader-election-namespace NS] [--no-leader-election] [--runner-image IMAGE] [--workers N]
 *   [--webhook-port 9443 --webhook-cert-dir DIR]`
 *
 * Runs the IngestJob operator until SIGTERM/SIGINT (then stops reconciling, releases the leader
 * Lease and exits 0). Losing the Lease exits 1 at once, as controller-runtime does: another
 * instance may already be reconciling. In a pod, the in-cluster config is used (loadFromDefault).
 */
import { readFileSync } from 'node:fs';
import { Operator } from '../operator/operator.ts';
import { CountingKubeConfig } from '../operator/counting-kube-config.ts';
import { parseArgs } from './args.ts';

const USAGE = `usage: sluice operator [--namespace NS|all] [--kubeconfig FILE] [--metrics-port 8080]
                       [--leader-election-namespace NS] [--no-leader-election]
                       [--runner-image IMAGE] [--workers N]
                       [--webhook-port 9443 --webhook-cert-dir DIR]  (DIR holds tls.crt, tls.key)
`;

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function inClusterNamespace(): string | undefined {
  try {
    return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function str(v: string | true | undefined, flag: string): string | undefined {
  if (v === true) throw new Error(`--${flag} needs a value`);
  return v;
}

function int(v: string | true | undefined, flag: string, dflt: number): number {
  const s = str(v, flag);
  if (s === undefined) return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a non-negative integer, got '${s}'`);
  return n;
}

export async function operatorCommand(argv: string[]): Promise<number> {
  const log = (line: string): void => { process.stderr.write(`${new Date().toISOString()} operator: ${line}\n`); };
  let operator: Operator;
  try {
    const { flags, positionals } = parseArgs(argv, ['no-leader-election', 'help']);
    if (flags.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new Error(`unexpected argument '${positionals[0]}'`);
    const nsFlag = str(flags.get('namespace'), 'namespace');
    const namespace = nsFlag === undefined || nsFlag === 'all' ? undefined : nsFlag;
    const kc = new CountingKubeConfig();
    const kubeconfig = str(flags.get('kubeconfig'), 'kubeconfig');
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromDefault();
    const leNamespace = str(flags.get('leader-election-namespace'), 'leader-election-namespace')
      ?? process.env.POD_NAMESPACE ?? inClusterNamespace() ?? namespace ?? 'default';
    const certDir = str(flags.get('webhook-cert-dir'), 'webhook-cert-dir');
    // The admission webhook (every replica serves it): a kubernetes.io/tls Secret mounted at DIR.
    const webhook = certDir === undefined ? undefined : {
      port: int(flags.get('webhook-port'), 'webhook-port', 9443),
      cert: readFileSync(`${certDir}/tls.crt`),
      key: readFileSync(`${certDir}/tls.key`),
    };
    operator = new Operator({
      kubeConfig: kc,
      webhook,
      namespace,
      metricsPort: int(flags.get('metrics-port'), 'metrics-port', 8080),
      leaderElection: flags.has('no-leader-election') ? false : { namespace: leNamespace },
      // the chart sets SLUICE_RUNNER_IMAGE to the image it installed
      defaultImage: str(flags.get('runner-image'), 'runner-image') ?? process.env.SLUICE_RUNNER_IMAGE,
      workers: int(flags.get('workers'), 'workers', 8),
      log,
      onLostLeadership: () => {
        log('lost leadership: exiting');
        process.exit(1);
      },
    });
  } catch (err) {
    process.stderr.write(`sluice operator: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  await operator.start();
  log(`started as ${operator.identity}; metrics on :${operator.port ?? '-'}; admission webhook on :${operator.webhookPort ?? '-'}`);
  await new Promise<void>((resolve) => {
    const onSignal = (): void => resolve();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  log('stopping');
  await operator.stop();
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await operatorCommand(process.argv.slice(2));
}

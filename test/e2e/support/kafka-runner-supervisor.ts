/**
 * Keeps one runner index of an unbounded job alive, the way a pod's restart policy would: every
 * time its `sluice run job.yaml --runner i/N` child exits while the test has not asked it to
 * stop, a new one is started. A kill the test made (SIGKILL at a random moment, or a failpoint
 * the child was armed with) is restarted at once; a death the test did not cause (exit 1 while
 * the broker is away, say) is recorded with its stderr and restarted after a short backoff, as
 * the operator would, so the test can report that it happened instead of hiding it. Such a
 * death never uses up a planned kill: the kill goes to the restarted child, and a failpoint that
 * had not fired is carried by the next child.
 *
 * Progress is read from the children's JSON `checkpoint` events: `counters.records` is the
 * records this runner index has committed over its whole lineage (a new child restores the
 * counters from the checkpoint), so the newest event of the newest child is the current figure.
 */
import { SluiceProcess } from '../../helpers/sluice-process.ts';
import type { SluiceEvent } from '../../helpers/sluice-process.ts';
import { withDeadline } from './deadline.ts';

export interface SupervisorOptions {
  job: string;
  index: number;
  parallelism: number;
  /** Wait before restarting a child that died on its own. @default 500 */
  restartBackoffMs?: number;
  /** One line per lifecycle event (start, kill, death), for the test's diagnostics. */
  log?: (line: string) => void;
}

/** A child that died without the test killing it. */
export interface SelfExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
}

export interface StopResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  summary: SluiceEvent | undefined;
  stderr: string;
}

const isCheckpoint = (e: SluiceEvent): boolean => e.event === 'checkpoint';
const hasExited = (p: SluiceProcess): boolean => p.child.exitCode !== null || p.child.signalCode !== null;

export class RunnerSupervisor {
  readonly index: number;
  /** Every child started, oldest first. */
  readonly incarnations: SluiceProcess[] = [];
  /** SIGKILLs the test sent (random moments). */
  randomKills = 0;
  /** Children that killed themselves at an armed failpoint. */
  failpointKills = 0;
  readonly selfExits: SelfExit[] = [];
  private readonly o: SupervisorOptions;
  private readonly pendingEnv: Array<Record<string, string>> = [];
  private readonly armed = new WeakSet<SluiceProcess>();
  private readonly killedByTest = new WeakSet<SluiceProcess>();
  private stopping = false;
  private loopDone: Promise<void> | undefined;
  /** Waiters for the next child (or the end of the loop). */
  private started: Array<() => void> = [];

  constructor(o: SupervisorOptions) {
    this.o = o;
    this.index = o.index;
  }

  get current(): SluiceProcess | undefined {
    return this.incarnations.at(-1);
  }

  /** Start the first child and keep one running until `stop()`. */
  start(): void {
    this.loopDone ??= this.loop();
  }

  /** Records committed by this runner index so far, from the newest checkpoint event seen. */
  committedRecords(): number {
    for (let i = this.incarnations.length - 1; i >= 0; i--) {
      const cps = this.incarnations[i]!.events.filter(isCheckpoint);
      const last = cps.at(-1);
      if (last !== undefined) return (last.counters as { records: number }).records;
    }
    return 0;
  }

  /** Checkpoint events over every child. */
  checkpoints(): number {
    return this.incarnations.reduce((s, p) => s + p.events.filter(isCheckpoint).length, 0);
  }

  /**
   * SIGKILL a child `delayMs` after it restored (the random moment), and resolve once its
   * successor has been started. With `armSuccessor`, that successor starts with these extra
   * environment variables (e.g. SLUICE_FAILPOINTS), and so does every child after it that dies
   * on its own before the failpoint fires (see `failpointFired`).
   *
   * A child that dies on its own before the kill (its broker went away, say) does not use the
   * step up: the supervisor restarts it and the kill goes to the next child, so every planned
   * kill lands. Returns how many children died on their own while this step waited.
   */
  async killAfterRestore(delayMs: number, opts: { armSuccessor?: Record<string, string>; deadlineMs?: number } = {}): Promise<number> {
    const deadlineMs = opts.deadlineMs ?? 120_000;
    return withDeadline(`runner ${this.index}: a kill after restore`, deadlineMs, (async () => {
      let diedFirst = 0;
      for (;;) {
        if (this.stopping) throw new Error(`runner ${this.index}: stopped before a planned kill`);
        const p = await this.liveChild();
        const restored = await p.waitFor((e) => e.event === 'restore').then(() => true, () => false);
        // The random moment is the point of this step: not a wait for an event.
        if (restored && !hasExited(p)) await new Promise((r) => setTimeout(r, delayMs));
        if (!restored || hasExited(p)) {
          diedFirst++;
          await this.successorOf(p);
          continue;
        }
        // Armed before the kill: the loop reads the next child's env only after this one exits.
        if (opts.armSuccessor !== undefined) this.pendingEnv.push(opts.armSuccessor);
        this.killedByTest.add(p);
        p.kill('SIGKILL');
        await p.exited;
        await this.successorOf(p);
        return diedFirst;
      }
    })());
  }

  /** Resolve once `failpointKills` exceeds `before`: an armed child killed itself at its failpoint. */
  async failpointFired(before: number): Promise<void> {
    while (this.failpointKills <= before && !this.stopping) {
      await new Promise<void>((resolve) => this.started.push(resolve));
    }
  }

  /** The newest child, or once it has exited, the one the supervisor starts after it. */
  private async liveChild(): Promise<SluiceProcess> {
    let p = this.currentChild();
    while (hasExited(p) && !this.stopping) {
      await this.successorOf(p);
      p = this.currentChild();
    }
    return p;
  }

  /** Resolve once the child started after `p` exists. */
  private async successorOf(p: SluiceProcess): Promise<void> {
    while (this.incarnations.at(-1) === p && !this.stopping) {
      await new Promise<void>((resolve) => this.started.push(resolve));
    }
  }

  private currentChild(): SluiceProcess {
    const p = this.current;
    if (p === undefined) throw new Error(`runner ${this.index}: start() first`);
    return p;
  }

  /**
   * SIGTERM the current child (final checkpoint, exit 0) and stop restarting. Waits first for the
   * child's first checkpoint: a child still loading has no signal handler yet, and a SIGTERM then
   * ends it by the default action, which proves nothing about a clean stop.
   */
  async stop(deadlineMs = 60_000): Promise<StopResult> {
    await withDeadline(`runner ${this.index}: a checkpoint before the stop`, deadlineMs, (async () => {
      for (;;) {
        const p = this.currentChild();
        if (await p.waitFor(isCheckpoint).then(() => true, () => false)) return;
        await this.successorOf(p);
      }
    })());
    this.stopping = true;
    const p = this.currentChild();
    if (!hasExited(p)) p.kill('SIGTERM');
    const x = await withDeadline(`runner ${this.index}: exit after SIGTERM`, deadlineMs, p.exited);
    await this.loopDone;
    return { ...x, summary: p.events.find((e) => e.event === 'summary'), stderr: p.stderr };
  }

  /** Kill whatever runs, without a final checkpoint (cleanup after a failed test). */
  async abandon(): Promise<void> {
    this.stopping = true;
    const p = this.current;
    if (p !== undefined && !hasExited(p)) p.kill('SIGKILL');
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    const { job, index, parallelism } = this.o;
    const log = this.o.log ?? (() => undefined);
    while (!this.stopping) {
      const env = this.pendingEnv.shift();
      const p = new SluiceProcess(['run', job, '--runner', `${index}/${parallelism}`, '--json'], env ?? {});
      if (env?.SLUICE_FAILPOINTS !== undefined) this.armed.add(p);
      this.incarnations.push(p);
      log(`runner ${index}: started #${this.incarnations.length}${env === undefined ? '' : ` with ${JSON.stringify(env)}`}`);
      this.wakeWaiters();
      const x = await p.exited;
      if (this.stopping) break;
      if (this.killedByTest.has(p)) {
        this.randomKills++;
        log(`runner ${index}: SIGKILLed by the test after ${p.events.filter(isCheckpoint).length} checkpoints`);
        continue;
      }
      if (this.armed.has(p) && x.signal === 'SIGKILL') {
        this.failpointKills++;
        log(`runner ${index}: killed itself at failpoint ${env!.SLUICE_FAILPOINTS}`);
        continue;
      }
      // Its failpoint has not fired: the next child carries it instead.
      if (env !== undefined) this.pendingEnv.unshift(env);
      const lines = p.stderr.trim().split('\n');
      // The runner's own error line says what happened; the stack after it rarely does.
      const own = lines.filter((l) => l.startsWith('sluice:'));
      const stderrTail = (own.length > 0 ? own.slice(-2) : lines.slice(-5)).join('\n');
      this.selfExits.push({ code: x.code, signal: x.signal, stderrTail });
      log(`runner ${index}: died on its own (${x.code ?? x.signal}): ${stderrTail}`);
      // A supervisor's restart backoff, not a wait for an event.
      await new Promise((r) => setTimeout(r, this.o.restartBackoffMs ?? 500));
    }
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const waiters = this.started;
    this.started = [];
    for (const w of waiters) w();
  }
}

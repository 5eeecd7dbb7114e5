/**
 * `sluice runner` as its own program, for tests that start it as a child process: the same
 * `runnerCommand` that src/cli/main.ts dispatches to, without depending on that wiring.
 */
import { runnerCommand } from '../../src/cli/runner.ts';

process.exitCode = await runnerCommand(process.argv.slice(2));

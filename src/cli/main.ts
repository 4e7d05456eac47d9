// The esgrad command: subcommands wired with commander; bad input of any kind ends as one line on
// stderr and exit code 2, an unexpected failure as one line and exit code 1 (ESGRAD_DEBUG=1: stack).
import { Command, CommanderError } from 'commander';
import { UsageError } from '../types.ts';
import { VERSION } from '../version.ts';
import { benchCommand } from './bench.ts';
import { corrCommand } from './corr.ts';
import { dashboardCommand } from './dashboard.ts';
import { evalCommand } from './eval.ts';
import { experimentCommand } from './experiment.ts';
import { exportCommand } from './export.ts';
import { infoCommand } from './info.ts';
import { reportCommand } from './report.ts';
import { trainCommand } from './train.ts';
import { workerCommand } from './worker.ts';

function program(): Command {
  const root = new Command('esgrad')
    .enablePositionalOptions()
    .description('Evolution Strategies vs SGD on your networks and data (Zhang, Clune & Stanley 2017)')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .addCommand(trainCommand())
    .addCommand(workerCommand())
    .addCommand(corrCommand())
    .addCommand(experimentCommand())
    .addCommand(reportCommand())
    .addCommand(dashboardCommand())
    .addCommand(exportCommand())
    .addCommand(evalCommand())
    .addCommand(infoCommand())
    .addCommand(benchCommand());
  const strict = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
    cmd.commands.forEach(strict);
  };
  strict(root);
  return root;
}

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // A reader that stops early (`esgrad info | head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  try {
    await program().parseAsync([...argv]);
    return Number(process.exitCode ?? 0); // a command may set it (e.g. 130: train stopped by Ctrl-C)
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its one-line message (or the help/version text).
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      console.error(`esgrad: ${e.message}`);
      return 2;
    }
    const err = e as Error;
    console.error(`esgrad: internal error: ${err?.message ?? String(e)}`);
    if (process.env.ESGRAD_DEBUG) console.error(err?.stack);
    return 1;
  }
}

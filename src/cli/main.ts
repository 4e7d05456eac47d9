// The esgrad command: subcommands wired with commander; bad input of any kind ends as one line on
// stderr and exit code 2, an unexpected failure as one line and exit code 1 (ESGRAD_DEBUG=1: stack).
import { Command, CommanderError } from 'commander';
import { UsageError } from '../types.ts';
import { VERSION } from '../version.ts';
import { corrCommand } from './corr.ts';
import { experimentCommand } from './experiment.ts';
import { infoCommand } from './info.ts';
import { parseNumber } from './options.ts';
import { reportCommand } from './report.ts';
import { trainCommand } from './train.ts';
import { workerCommand } from './worker.ts';

function program(): Command {
  const bench = new Command('bench')
    .description('measure this machine: MatMul peak, forward and population throughput, SGD step')
    .option('--quick', 'fewer repeats')
    .option('--json', 'print JSON')
    .action(async (opts: { quick?: boolean; json?: boolean }) => {
      const { runBench } = await import('../../bench/index.ts');
      await runBench(opts);
    })
    .addCommand(
      new Command('aggregate')
        .description('time one ES aggregation Σ w_i·table[o_i : o_i + P] (median of repeats)')
        .requiredOption('--population <n>', 'offspring N', parseNumber)
        .requiredOption('--params <n>', 'parameters P', parseNumber)
        .option('--limited', 'limited perturbation: each offspring perturbs one bucket')
        .option('--bucket-size <n>', 'with --limited (default 5000)', parseNumber)
        .option('--mirrored', 'N/2 distinct offsets (mirrored pairs)')
        .option('--table-size <n>', 'noise table floats (default 33554432)', parseNumber)
        .option('--json', 'print JSON')
        .action(
          async (o: {
            population: number;
            params: number;
            limited?: boolean;
            bucketSize?: number;
            mirrored?: boolean;
            tableSize?: number;
            json?: boolean;
          }) => {
            if (
              !(
                Number.isInteger(o.population) &&
                o.population >= 1 &&
                Number.isInteger(o.params) &&
                o.params >= 1
              )
            ) {
              throw new UsageError('--population and --params must be positive integers');
            }
            const { benchAggregate } = await import('../../bench/aggregate.ts');
            const { json, ...rest } = o;
            const r = await benchAggregate(rest);
            console.log(
              json
                ? JSON.stringify(r)
                : `aggregate ${o.population} x ${o.params}${o.limited ? ' (limited)' : ''}: ${r.seconds.toFixed(3)} s (${r.method}, ${r.threads} threads; one-time setup ${r.setupSeconds.toFixed(2)} s)`,
            );
          },
        ),
    );
  const root = new Command('esgrad')
    .description('Evolution Strategies vs SGD on MNIST (Zhang, Clune & Stanley 2017)')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .addCommand(trainCommand())
    .addCommand(workerCommand())
    .addCommand(corrCommand())
    .addCommand(experimentCommand())
    .addCommand(reportCommand())
    .addCommand(infoCommand())
    .addCommand(bench);
  const strict = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
    cmd.commands.forEach(strict);
  };
  strict(root);
  return root;
}

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
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

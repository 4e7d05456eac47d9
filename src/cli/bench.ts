// `esgrad bench`: the benchmark table of a checkout (bench/index.ts, run as its own process: the library
// does not import bench/) and `esgrad bench aggregate`, one aggregation timed as training runs it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { UsageError } from '../types.ts';
import { parseNumber } from './options.ts';

const SUITE = fileURLToPath(new URL('../../bench/index.ts', import.meta.url));

function aggregateCommand(): Command {
  return new Command('aggregate')
    .description('time one ES aggregation Σ w_i·table[o_i : o_i + P] (median of repeats)')
    .requiredOption('--population <n>', 'offspring N', parseNumber)
    .requiredOption('--params <n>', 'parameters P', parseNumber)
    .option('--limited', 'limited perturbation: each offspring perturbs one bucket')
    .option('--bucket-size <n>', 'with --limited (default 5000)', parseNumber)
    .option('--mirrored', 'N/2 distinct offsets (mirrored pairs)')
    .option('--table-size <n>', 'noise table floats (default 33554432)', parseNumber)
    .option('--threads <n>', 'threads (default: every core)', parseNumber)
    .option('--repeats <n>', 'timed calls after the first (default 5)', parseNumber)
    .option('--json', 'print JSON')
    .action(async (o: Record<string, number | boolean | undefined>) => {
      const { json, population, params, ...rest } = o;
      for (const [flag, v] of Object.entries({ population, params, ...rest })) {
        if (typeof v === 'number' && !(Number.isInteger(v) && v >= 1)) {
          throw new UsageError(
            `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${v}: must be a positive integer`,
          );
        }
      }
      const { timeAggregation } = await import('../aggregate/index.ts');
      const r = await timeAggregation({ population: Number(population), params: Number(params), ...rest });
      const what = `aggregate ${population} x ${params}${rest.limited ? ' (limited)' : ''}`;
      const setup = `one-time setup ${r.setupSeconds.toFixed(2)} s`;
      console.log(
        json
          ? JSON.stringify(r)
          : `${what}: ${r.seconds.toFixed(3)} s (${r.method}, ${r.threads} threads; ${setup})`,
      );
    });
}

export function benchCommand(): Command {
  return new Command('bench')
    .enablePositionalOptions() // `bench aggregate --json` is aggregate's flag, not bench's
    .description(
      'measure this machine: MatMul peak, forward and population throughput, SGD step, ES, aggregation',
    )
    .option('--quick', 'fewer repeats')
    .option('--json', 'print JSON')
    .action((opts: { quick?: boolean; json?: boolean }) => {
      if (!existsSync(SUITE)) {
        throw new UsageError(
          'the benchmark table needs a checkout of esgrad (bench/ is not installed): npm run bench',
        );
      }
      const flags = [...(opts.quick ? ['--quick'] : []), ...(opts.json ? ['--json'] : [])];
      const r = spawnSync(process.execPath, ['--import', 'tsx', SUITE, ...flags], { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
    })
    .addCommand(aggregateCommand());
}

// `esgrad corr`: the paper's gradient-correlation analyses. `sgd-vs-sgd` correlates the gradients of
// two random mini-batches along an SGD run; `population` tracks ρ(g_ES, g_True) against offspring count.

import { Command, InvalidArgumentError } from 'commander';
import { PAPER_SGD_VS_SGD } from '../analysis/correlation.ts';
import { TRAIN_DEFAULTS as DEFAULTS, parseTrainConfig } from '../run/config.ts';
import { UsageError } from '../types.ts';
import { parseNumber, typedOptions } from './options.ts';
import { parseHidden } from './train-control.ts';

/** The paper's mean SGD-vs-SGD correlation on MNIST (section 3). */

function sgdVsSgd(): Command {
  return new Command('sgd-vs-sgd')
    .description(
      'correlation between the gradients of two random mini-batches along an SGD run (paper: 39.04%)',
    )
    .option('--model <name>', `cnn-3m | cnn-29k | mlp (default ${DEFAULTS.model})`)
    .option('--iters <n>', `SGD iterations (default ${DEFAULTS.iters})`, parseNumber)
    .option('--every <n>', 'measure every n iterations (default 1)', parseNumber)
    .option('--batch <n>', `mini-batch size (default ${DEFAULTS.batch})`, parseNumber)
    .option('--lr <x>', `Adam learning rate (default ${DEFAULTS.lr})`, parseNumber)
    .option('--seed <n>', `seed (default ${DEFAULTS.seed})`, parseNumber)
    .option('--out <dir>', 'run directory')
    .option('--data-dir <dir>', 'directory with the IDX files')
    .option('--quiet', 'no progress bar')
    .action(async (_o: unknown, cmd: Command) => {
      const { every, quiet, ...rest } = typedOptions(cmd);
      const config = parseTrainConfig({ ...rest, algo: 'sgd', corrEvery: every ?? 1 });
      const { train } = await import('../run/train.ts'); // loaded when used: a fast --help
      const s = await train(config, { quiet: Boolean(quiet), log: (m) => console.error(m) });
      const mean = typeof s.meanCorr === 'number' ? `${(100 * s.meanCorr).toFixed(2)}%` : 'n/a';
      console.log(
        `sgd-vs-sgd ${config.model}: mean gradient correlation ${mean} over ${config.iters} iterations on ${s.dataset} (paper: ${(100 * PAPER_SGD_VS_SGD).toFixed(2)}%)`,
      );
    });
}

/** The paper's offspring count for ρ = 20% on cnn-3m (section 4). */
const PAPER_POPULATION_FOR_20 = 274_000;

function population(): Command {
  return new Command('population')
    .description(
      'ρ(g_ES, g_True) against the number of offspring at a fixed θ and mini-batch (paper: 20% at about 274,000 on cnn-3m); with --task, ρ against a large reference population on a control task',
    )
    .option('--model <name>', `cnn-3m | cnn-29k | mlp (default ${DEFAULTS.model})`)
    .option('--target <x>', 'stop when ρ reaches this (default 0.2)', parseNumber)
    .option('--chunk <n>', 're-estimate after every n offspring, even (default 1000)', parseNumber)
    .option('--cap <n>', 'stop after this many offspring at the latest (default 300000)', parseNumber)
    .option('--sigma <x>', `perturbation std (default ${DEFAULTS.sigma}; --task: 0.1)`, parseNumber)
    .option('--batch <n>', `mini-batch size (default ${DEFAULTS.batch})`, parseNumber)
    .option('--seed <n>', `seed of θ0, the mini-batch and the noise (default ${DEFAULTS.seed})`, parseNumber)
    .option('--evaluator <name>', `threads | local (default ${DEFAULTS.evaluator})`)
    .option('--workers <n>', `worker threads, 0 = all cores (default ${DEFAULTS.workers})`, parseNumber)
    .option(
      '--noise-table-size <n>',
      'floats in the shared noise table (default 2^25, or 1,024·P rounded up to a power of 2 when smaller)',
      parseNumber,
    )
    .option('--out <dir>', 'directory for metrics.jsonl (ρ per chunk) and summary.json')
    .option('--data-dir <dir>', 'directory with the IDX files')
    .option('--quiet', 'no progress bar')
    .option(
      '--task <name>',
      'a control task instead of a model: ρ against a reference ES estimate (see README)',
    )
    .option('--policy <file>', '--task: the policy.json of a control run to measure at (default θ0)')
    .option('--reference <n>', '--task: offspring of the reference estimate (default 20000)', parseNumber)
    .option(
      '--sizes <list>',
      '--task: offspring counts N of the estimates (default 100,200,500,1000,2000,5000)',
      parseSizes,
    )
    .option('--repeats <n>', '--task: independent estimates per N (default 3)', parseNumber)
    .option(
      '--hidden <widths>',
      '--task: tanh hidden layer widths of the policy (default 32,32)',
      parseHidden,
    )
    .option('--episodes-per-offspring <n>', '--task: episodes per offspring (default 1)', parseNumber)
    .option('--max-steps <n>', "--task: episode step limit (default the task's own)", parseNumber)
    .option('--shared-episodes', '--task: all offspring of a stream meet the same initial states')
    .option('--fitness <name>', '--task: centered-ranks | raw (default centered-ranks)')
    .action(async (_o: unknown, cmd: Command) => {
      if (cmd.getOptionValueSource('task') === 'cli') return controlPopulationCommand(cmd);
      const taskOnly = TASK_ONLY.filter((k) => cmd.getOptionValueSource(k) === 'cli');
      if (taskOnly.length > 0)
        throw new UsageError(`${taskOnly.map(flagName).join(', ')}: only with --task (a control task)`);
      const {
        target = 0.2,
        chunk = 1000,
        cap = 300_000,
        out,
        quiet,
        ...rest
      } = typedOptions(cmd) as Record<string, unknown> & {
        target?: number;
        chunk?: number;
        cap?: number;
        out?: string;
      };
      if (!(target > 0 && target < 1)) throw new UsageError(`--target ${target}: must be in (0, 1)`);
      if (!(Number.isInteger(chunk) && chunk >= 2 && chunk % 2 === 0))
        throw new UsageError(`--chunk ${chunk}: must be an even integer >= 2 (mirrored pairs)`);
      if (!(Number.isInteger(cap) && cap >= chunk))
        throw new UsageError(`--cap ${cap}: must be an integer >= --chunk (${chunk})`);
      const { runPopulationSearch } = await import('../run/population.ts');
      const summary = await runPopulationSearch(rest, {
        target,
        chunk,
        cap,
        out,
        progress: !quiet,
        log: (m) => console.error(m),
      });
      const { model, reached, offspring, corr } = summary;
      const paper =
        model === 'cnn-3m'
          ? ` (paper: about ${PAPER_POPULATION_FOR_20.toLocaleString('en-US')} for 20%)`
          : '';
      const rho = `${(100 * (corr ?? Number.NaN)).toFixed(2)}%`;
      console.log(
        reached === null
          ? `population ${model}: cap reached, ρ ${rho} after ${offspring.toLocaleString('en-US')} offspring (target ${(100 * target).toFixed(1)}%)${paper}`
          : `population ${model}: ρ ${rho} ≥ ${(100 * target).toFixed(1)}% at ${reached.toLocaleString('en-US')} offspring${paper}`,
      );
    });
}

function parseSizes(value: string): number[] {
  const sizes = value.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new InvalidArgumentError(`'${value}' is not a list of offspring counts like 100,1000.`);
  return sizes.sort((a, b) => a - b);
}

const MNIST_ONLY = ['model', 'target', 'chunk', 'cap', 'batch', 'dataDir'];
const TASK_ONLY = [
  'policy',
  'reference',
  'sizes',
  'repeats',
  'hidden',
  'episodesPerOffspring',
  'maxSteps',
  'sharedEpisodes',
  'fitness',
];

/** `corr population --task NAME`: ρ between N-offspring estimates and a reference estimate (issue 13 #6). */
async function controlPopulationCommand(cmd: Command): Promise<void> {
  const {
    policy,
    reference = 20_000,
    sizes = [100, 200, 500, 1000, 2000, 5000],
    repeats = 3,
    quiet,
    out,
    ...rest
  } = typedOptions(cmd) as Record<string, unknown> & {
    policy?: string;
    reference?: number;
    sizes?: number[];
    repeats?: number;
    out?: string;
  };
  const misplaced = MNIST_ONLY.filter((k) => k in rest);
  if (misplaced.length > 0)
    throw new UsageError(
      `corr population --task takes no ${misplaced.map(flagName).join(', ')} (those are for models)`,
    );
  const { parseControlConfig } = await import('../run/control-config.ts');
  const { controlPopulation, defaultPopulationDir } = await import('../run/control-population.ts');
  const config = parseControlConfig(rest, (path) => flagName(String(path[0])));
  const dir = out ?? defaultPopulationDir(config, policy);
  const r = await controlPopulation(
    { ...config, out: dir },
    { reference, sizes, repeats, policy, log: quiet ? () => {} : (m) => console.error(m) },
  );
  console.log(
    `population ${r.task} at ${r.policy} (${r.parameters} parameters, reference ${r.reference} offspring, ${r.repeats} repeats):`,
  );
  console.log('N\tρ mean\tρ std\tpredicted\tpredicted vs true\tlinear theory\tzero estimates');
  for (const row of r.rows)
    console.log(
      `${row.offspring}\t${row.mean.toFixed(4)}\t${row.std.toFixed(4)}\t${row.predicted.toFixed(4)}\t${row.predictedTrue.toFixed(4)}\t${row.linear.toFixed(4)}\t${row.zeroEstimates}`,
    );
  console.log(
    `${r.timesteps} steps in ${r.seconds.toFixed(1)} s (${Math.round(r.timestepsPerSecond)} steps/s); ${dir}/population.json, population.csv`,
  );
}

const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export function corrCommand(): Command {
  return new Command('corr')
    .description('gradient-correlation analyses of the paper')
    .addCommand(sgdVsSgd())
    .addCommand(population());
}

// `esgrad corr`: the paper's gradient-correlation analyses. `sgd-vs-sgd` trains with SGD and, at each
// measured iteration, correlates the gradients of two independent random mini-batches at the same θ.
import { Command } from 'commander';
import { parseTrainConfig } from '../run/config.ts';
import { train } from '../run/train.ts';
import { parseNumber, typedOptions } from './options.ts';

/** The paper's mean SGD-vs-SGD correlation on MNIST (section 3). */
const PAPER_SGD_VS_SGD = 0.3904;

function sgdVsSgd(): Command {
  return new Command('sgd-vs-sgd')
    .description('correlation between the gradients of two random mini-batches along an SGD run (paper: 39.04%)')
    .option('--model <name>', 'cnn-3m | cnn-29k | mlp (default cnn-3m)')
    .option('--iters <n>', 'SGD iterations (default 2000)', parseNumber)
    .option('--every <n>', 'measure every n iterations (default 1)', parseNumber)
    .option('--batch <n>', 'mini-batch size (default 50)', parseNumber)
    .option('--lr <x>', 'Adam learning rate (default 0.001)', parseNumber)
    .option('--seed <n>', 'seed (default 0)', parseNumber)
    .option('--out <dir>', 'run directory')
    .option('--data-dir <dir>', 'directory with the IDX files')
    .option('--quiet', 'no progress bar')
    .action(async (_o: unknown, cmd: Command) => {
      const { every, quiet, ...rest } = typedOptions(cmd);
      const config = parseTrainConfig({ ...rest, algo: 'sgd', corrEvery: every ?? 1 });
      const s = await train(config, { quiet: Boolean(quiet), log: (m) => console.error(m) });
      const mean = typeof s.meanCorr === 'number' ? `${(100 * s.meanCorr).toFixed(2)}%` : 'n/a';
      console.log(`sgd-vs-sgd ${config.model}: mean gradient correlation ${mean} over ${config.iters} iterations on ${s.dataset} (paper: ${(100 * PAPER_SGD_VS_SGD).toFixed(2)}%)`);
    });
}

export function corrCommand(): Command {
  return new Command('corr').description('gradient-correlation analyses of the paper').addCommand(sgdVsSgd());
}

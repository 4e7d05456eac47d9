// `esgrad eval MODEL.onnx`: test loss and accuracy of any ONNX classifier (the import rules of
// --model model.onnx) on a dataset's test split, as one line or JSON.
import { Command } from 'commander';
import { UsageError } from '../types.ts';
import { parseNumber } from './options.ts';

export function evalCommand(): Command {
  return new Command('eval')
    .description("test loss and accuracy of an ONNX classifier (e.g. a run's model.onnx)")
    .argument('<model.onnx>', 'an ONNX file: one float32 input [N, ...], first output [N, classes]')
    .option(
      '--dataset <name|dir>',
      'mnist | fashion-mnist, or a directory of IDX or .npy files (default mnist)',
    )
    .option(
      '--data-dir <dir>',
      'directory with the IDX files (else $ESGRAD_DATA_DIR, else the download cache)',
    )
    .option('--loss <name>', 'the loss reported: cross-entropy | mse (default cross-entropy)')
    .option('--threads <n>', 'ONNX Runtime threads, 0 = all cores (default 0)', parseNumber)
    .option('--json', 'print JSON')
    .action(
      async (
        file: string,
        opts: { dataset?: string; dataDir?: string; loss?: string; threads?: number; json?: boolean },
      ) => {
        if (opts.loss !== undefined && opts.loss !== 'cross-entropy' && opts.loss !== 'mse')
          throw new UsageError(`--loss ${opts.loss}: use cross-entropy or mse`);
        if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 0))
          throw new UsageError(`--threads ${opts.threads}: must be a whole number >= 0`);
        const { evaluateOnnxFile } = await import('../run/export.ts'); // loaded when used: a fast --help
        const r = await evaluateOnnxFile(file, {
          ...(opts.dataset === undefined ? {} : { dataset: opts.dataset }),
          ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
          ...(opts.loss === undefined ? {} : { loss: opts.loss as 'cross-entropy' | 'mse' }),
          ...(opts.threads === undefined ? {} : { threads: opts.threads }),
          log: (msg) => console.error(msg),
        });
        if (opts.json) {
          console.log(JSON.stringify({ file, ...r }, null, 2));
          return;
        }
        console.log(
          `${file} (${r.model}) on the ${r.dataset} test set: loss ${r.loss.toFixed(6)}, accuracy ${(100 * r.accuracy).toFixed(2)}% (${r.correct}/${r.count})`,
        );
      },
    );
}

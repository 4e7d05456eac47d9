// `esgrad train`: flags (or --config run.json, flags win) -> validated TrainConfig -> a run with a
// progress bar, metrics.jsonl and summary.json, ending with a one-line summary.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { PAPER_SGD_VS_SGD } from '../analysis/correlation.ts';
import {
  checkAlgoFields,
  TRAIN_DEFAULTS as DEFAULTS,
  parseTrainConfig,
  userFieldNamer,
} from '../run/config.ts';
import { type Metrics, UsageError } from '../types.ts';
import { parseNumber, typedOptions } from './options.ts';
import { stopOnSignals } from './signals.ts';
import { parseHidden } from './train-control.ts';

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`--config ${path}: cannot read the file`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`--config ${path}: not a JSON object (${(e as Error).message})`);
  }
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a network with SGD (backprop) or the OpenAI Evolution Strategy')
    .option('--algo <name>', `sgd | es | proxy (default ${DEFAULTS.algo})`)
    .option(
      '--model <name|file>',
      `cnn-3m | cnn-29k | mlp, a spec net.json or a model.onnx (default ${DEFAULTS.model})`,
    )
    .option('--loss <name>', "an ONNX model's loss: cross-entropy | mse (default cross-entropy)")
    .option(
      '--dataset <name|dir>',
      `mnist | fashion-mnist, or a directory of IDX or .npy files (default ${DEFAULTS.dataset})`,
    )
    .option(
      '--task <name>',
      'train a policy on a control task instead: cartpole | acrobot | pendulum | mountain-car-continuous | planar-hopper (MuJoCo), or a MuJoCo task file (.json)',
    )
    .option('--hidden <widths>', '--task: hidden layer widths of the policy (default 32,32)', parseHidden)
    .option('--episodes-per-offspring <n>', '--task: episodes per offspring (default 1)', parseNumber)
    .option('--max-steps <n>', "--task: episode step limit (default 0: the task's own)", parseNumber)
    .option('--eval-episodes <n>', '--task: episodes of each noiseless evaluation (default 10)', parseNumber)
    .option(
      '--obs-stats-fraction <x>',
      '--task: share of rollouts feeding the observation normalisation (default 0.01)',
      parseNumber,
    )
    .option('--shared-episodes', '--task: all offspring of an iteration meet the same initial states')
    .option('--iters <n>', `iterations (default ${DEFAULTS.iters})`, parseNumber)
    .option('--batch <n>', `mini-batch size (default ${DEFAULTS.batch})`, parseNumber)
    .option('--optimizer <name>', `adam | sgd (default ${DEFAULTS.optimizer})`)
    .option('--lr <x>', `learning rate (default ${DEFAULTS.lr})`, parseNumber)
    .option('--l2 <x>', 'L2 weight decay coefficient (default 0)', parseNumber)
    .option(
      '--eval-every <n>',
      `test-set evaluation every n iterations (default ${DEFAULTS.evalEvery})`,
      parseNumber,
    )
    .option(
      '--eval-subset <n>',
      'evaluate on the first n test images every --eval-every iterations (subsetTestAccuracy) and on the full test set only at the end (default 0: the full set every time)',
      parseNumber,
    )
    .option('--seed <n>', `seed of init, mini-batches and noise (default ${DEFAULTS.seed})`, parseNumber)
    .option(
      '--threads <n>',
      `ONNX Runtime threads of the main thread, 0 = all cores (default ${DEFAULTS.threads})`,
      parseNumber,
    )
    .option(
      '--evaluator <name>',
      `ES: threads (a worker pool) | local (in-process) | redis (esgrad workers, see --redis) (default ${DEFAULTS.evaluator})`,
    )
    .option(
      '--redis <url>',
      'ES: be the master of esgrad workers through Redis, redis://[user:password@]host:port/db (or $ESGRAD_REDIS_URL; a password may come from $ESGRAD_REDIS_PASSWORD)',
    )
    .option(
      '--replay',
      "ES --redis: workers rebuild θ from each round's rewards, checked by its sha256 (θ travels only to a worker that joins late or differs)",
    )
    .option(
      '--workers <n>',
      `ES: worker threads of the threads evaluator, 0 = all cores (default ${DEFAULTS.workers})`,
      parseNumber,
    )
    .option(
      '--population <n>',
      `ES: evaluations per iteration, mirrored pairs count 2 (default ${DEFAULTS.population})`,
      parseNumber,
    )
    .option('--sigma <x>', `ES: perturbation std (default ${DEFAULTS.sigma})`, parseNumber)
    .option('--no-mirrored', 'ES: plain instead of antithetic sampling')
    .option('--fitness <name>', `ES: raw | centered-ranks (default ${DEFAULTS.fitness})`)
    .option(
      '--noise-table-size <n>',
      'ES and the proxy (its g_Noise): floats in the shared noise table (default 2^25 = 128 MiB, or 1,024·P rounded up to a power of 2 when smaller)',
      parseNumber,
    )
    .option('--limited', 'ES: limited perturbation, each offspring perturbs one bucket of parameters')
    .option(
      '--bucket-size <n>',
      `ES --limited: parameters per bucket, at most (default ${DEFAULTS.bucketSize})`,
      parseNumber,
    )
    .option(
      '--no-minibatch',
      'ES: each offspring (a mirrored pair shares one) evaluates on its own random subset',
    )
    .option(
      '--subset-size <n>',
      `ES --no-minibatch: images per offspring subset (default ${DEFAULTS.subsetSize})`,
      parseNumber,
    )
    .option(
      '--target-corr <x>',
      `proxy: correlation of the noisy gradient with the true one (default ${DEFAULTS.targetCorr})`,
      parseNumber,
    )
    .option(
      '--corr-every <n>',
      'log the gradient correlation every n iterations: ES vs backprop, or SGD vs another mini-batch (default 0: never)',
      parseNumber,
    )
    .option(
      '--sgd-vs-sgd-every <n>',
      'log SGD vs SGD at θ_t (sgdVsSgdCorr: the gradients of two independent mini-batches), any --algo, every n iterations (default 0: never)',
      parseNumber,
    )
    .option('--out <dir>', 'run directory (default runs/<algo>-<model>-s<seed>-<time>)')
    .option('--overwrite', "replace the run already in --out (esgrad's files there are removed first)")
    .option('--tensorboard', 'also write TensorBoard event files into <out>/tensorboard/')
    .option(
      '--data-dir <dir>',
      'directory with the IDX files (else $ESGRAD_DATA_DIR, else the download cache)',
    )
    .option(
      '--checkpoint-every <n>',
      'write <out>/checkpoint.bin every n iterations (default 0: only on Ctrl-C, SIGTERM or a failure)',
      parseNumber,
    )
    .option(
      '--keep-best',
      'also write <out>/model-best.onnx and theta-best.safetensors: θ at the best test accuracy (every run writes model.onnx and theta.safetensors)',
    )
    .option(
      '--resume <dir>',
      'continue the run in <dir> from its checkpoint (may change --iters, --evaluator, --workers, --threads, --checkpoint-every, --data-dir, --tensorboard, --redis; a --task run the same but --data-dir and --tensorboard)',
    )
    .option('--config <file>', 'JSON file with any of the above (camelCase keys); flags override it')
    .option('--quiet', 'no progress bar')
    .action(async (_opts: unknown, cmd: Command) => {
      const { minibatch, ...typed } = typedOptions(cmd, ['config', 'quiet', 'redis', 'resume', 'overwrite']);
      if (minibatch === false) typed.noMinibatch = true; // commander's --no-minibatch
      const redisUrl = cmd.opts().redis as string | undefined;
      const evaluatorFromRedis = redisUrl !== undefined && typed.evaluator === undefined;
      if (evaluatorFromRedis) typed.evaluator = 'redis';
      const resume = cmd.opts().resume as string | undefined;
      const configPath = cmd.opts().config as string | undefined;
      const overwrite = Boolean(cmd.opts().overwrite);
      if (overwrite && resume !== undefined)
        throw new UsageError('--overwrite replaces a run, --resume continues one: give one of them');
      // loaded when used: a fast --help
      const { resumeConfig } = await import('../run/resume.ts');
      const { defaultRunDir, train } = await import('../run/train.ts');
      const { isControlRunDir } = await import('../run/control-checkpoint.ts');
      const { RUN_MARKERS, runFilesIn } = await import('../run/run-dir.ts');
      const file = configPath === undefined ? {} : readConfigFile(configPath);
      const name = userFieldNamer(
        typed,
        configPath === undefined ? undefined : { path: configPath, value: file },
      );
      if (resume !== undefined && runFilesIn(resume).length === 0)
        throw new UsageError(
          `--resume ${resume}: not an esgrad run directory (none of ${RUN_MARKERS.join(', ')} there)`,
        );
      const controlRun = resume !== undefined && isControlRunDir(resume);
      if (typed.task !== undefined || file.task !== undefined || controlRun) {
        const { trainControlCommand } = await import('./train-control.ts');
        const quiet = Boolean(cmd.opts().quiet);
        return trainControlCommand({ ...file, ...typed }, name, { quiet, redisUrl, resume });
      }
      const parsed =
        resume === undefined
          ? parseTrainConfig({ ...file, ...typed }, name)
          : resumeConfig(resume, { ...file, ...typed }, name);
      // A run's config.json lists every field, ES's defaults too: a file's key counts when it sets something.
      const fromFile = Object.keys(file).filter(
        (k) => JSON.stringify(file[k]) !== JSON.stringify(DEFAULTS[k as keyof typeof DEFAULTS]),
      );
      checkAlgoFields(parsed.algo, [...fromFile, ...Object.keys(typed)], (path) =>
        path[0] === 'evaluator' && evaluatorFromRedis ? '--redis' : name(path),
      );
      const config = { ...parsed, out: parsed.out ?? defaultRunDir(parsed) };
      const log = (msg: string): void => console.error(msg);
      // Ctrl-C (SIGINT) and SIGTERM: finish the iteration, write a checkpoint, exit 128 + the signal's number.
      const stop = stopOnSignals(log, 'stopping after this iteration and writing a checkpoint');
      let s: Metrics;
      try {
        s = await train(config, {
          quiet: Boolean(cmd.opts().quiet),
          log,
          signal: stop.signal,
          resume: resume !== undefined,
          overwrite,
          ...(redisUrl === undefined ? {} : { redisUrl }),
        });
      } finally {
        stop.dispose();
      }
      if (s.interrupted === true) {
        const redis =
          config.algo === 'es' && config.evaluator === 'redis'
            ? (await import('../evaluate/redis-connect.ts')).resumeRedisHint(redisUrl)
            : '';
        console.log(
          `stopped at iteration ${s.iterations} of ${config.iters}; checkpoint written; continue with: esgrad train --resume ${config.out}${redis}`,
        );
        process.exitCode = stop.exitCode();
        return;
      }
      const acc =
        typeof s.finalTestAccuracy === 'number' ? `${(100 * s.finalTestAccuracy).toFixed(2)}%` : 'n/a';
      const corr =
        (typeof s.meanCorr === 'number'
          ? `, mean gradient correlation ${(100 * s.meanCorr).toFixed(2)}%`
          : '') +
        (typeof s.meanSgdVsSgdCorr === 'number'
          ? `, mean SGD vs SGD ${(100 * s.meanSgdVsSgdCorr).toFixed(2)}% (paper, cnn-3m: ${(100 * PAPER_SGD_VS_SGD).toFixed(2)}%)`
          : '');
      console.log(
        `${config.algo} ${s.model}: test accuracy ${acc} after ${s.iterations} iterations on ${s.dataset} (seed ${config.seed})${corr}, ${Number(s.seconds).toFixed(1)} s`,
      );
    });
}

// `esgrad worker --redis URL [--workers N] [--objective FILE]`: evaluates a Redis master's tasks (a model
// it publishes, the user's objective module, or a control task's rollouts) on N threads of this machine
// until Ctrl-C (or SIGTERM), which finishes the current chunks first.
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { UsageError } from '../types.ts';
import { parseNumber } from './options.ts';
import { stopOnSignals } from './signals.ts';

interface WorkerFlags {
  redis?: string;
  dataDir?: string;
  dataset?: string;
  objective?: string;
  threads?: number;
  workers?: number;
  name?: string;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description(
      'evaluate ES offspring for a master started with esgrad train --redis URL (a model, or --task rollouts) or optimize() with evaluator redis (any number, any machine)',
    )
    .option(
      '--redis <url>',
      'redis://[user:password@]host:port/db (else $ESGRAD_REDIS_URL; a password may come from $ESGRAD_REDIS_PASSWORD)',
    )
    .option(
      '--data-dir <dir>',
      "directory with the registered dataset's IDX files (else $ESGRAD_DATA_DIR, else the download cache)",
    )
    .option(
      '--dataset <dir>',
      "the master's training data when it is a user's directory (checked against the master's fingerprint)",
    )
    .option(
      '--objective <file>',
      "serve an objective run: the module file of the master's objective (its sha256 must match)",
    )
    .option(
      '--workers <n>',
      'evaluating threads sharing one noise table, one copy of the data and one θ per round, 0 = all cores (default 0; objective and --task runs: 1)',
      parseNumber,
    )
    .option('--threads <n>', 'ONNX Runtime threads of each evaluating thread (default 1)', parseNumber)
    .option('--name <name>', "worker name in the master's logs (default host-pid-random)")
    .action(async (opts: WorkerFlags) => {
      const { redisTarget } = await import('../evaluate/redis-connect.ts');
      const { runWorker } = await import('../evaluate/redis-worker.ts');
      if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 0)) {
        throw new UsageError(`--threads ${opts.threads}: must be an integer >= 0`);
      }
      if (opts.workers !== undefined && !(Number.isInteger(opts.workers) && opts.workers >= 0)) {
        throw new UsageError(`--workers ${opts.workers}: must be an integer >= 0 (0: one per core)`);
      }
      const workers = opts.workers || availableParallelism();
      const target = redisTarget(opts.redis);
      const log = (msg: string): void => console.error(msg);
      const stop = stopOnSignals(log, 'worker stopping after the current chunk');
      try {
        const stats = await runWorker({
          target,
          log,
          signal: stop.signal,
          ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
          ...(opts.dataset === undefined ? {} : { dataset: opts.dataset }),
          ...(opts.objective === undefined ? {} : { objective: opts.objective }),
          ...(opts.threads === undefined ? {} : { threads: opts.threads }),
          workers,
          ...(opts.name === undefined ? {} : { name: opts.name }),
        });
        log(
          `worker: stopped after ${stats.chunks} chunks (${stats.stale} stale, ${stats.malformed} malformed dropped)`,
        );
      } finally {
        stop.dispose();
      }
    });
}

// The resources of an ES run from its settings: the noise table, task data, Evaluator (threads,
// in-process or Redis) and Aggregator; shared by training, the population search and the experiments.
import { Aggregator } from '../aggregate/index.ts';
import type { Network } from '../backend/network.ts';
import type { Dataset } from '../data/index.ts';
import { activeBucketSize, type EsSettings, resolveNoiseTableSize } from '../es/index.ts';
import { createNoiseTable } from '../rng/noise-table.ts';
import type { Evaluator, TaskData } from './evaluator.ts';
import { LocalEvaluator } from './local.ts';
import { RedisEvaluator } from './redis.ts';
import { redisTarget } from './redis-connect.ts';
import { sharedSplit, ThreadsEvaluator } from './threads.ts';

/** The settings an evaluator is built from: the ES settings that select tasks' data, and the transport. */
export interface EvaluatorSettings
  extends Pick<EsSettings, 'seed' | 'batch' | 'noiseTableSize' | 'subsetSize' | 'limited' | 'bucketSize'> {
  readonly evaluator: 'threads' | 'local' | 'redis';
  /** Worker threads of the threads evaluator (0: every core). */
  readonly workers: number;
  readonly model: string;
  readonly dataset: string;
  /** Threads of the master (the aggregation's pool; 0: every core). */
  readonly threads: number;
}

export interface EsResources {
  readonly noiseTable: Float32Array;
  readonly taskData: TaskData;
  readonly evaluator: Evaluator;
  readonly aggregator: Aggregator;
  /** Closes the evaluator and the aggregator (memory and threads returned). */
  close(): Promise<void>;
}

/**
 * The noise table, task data, evaluator and aggregator of an ES run as configured. The worker threads share one
 * table through a SharedArrayBuffer; ONNX Runtime in this thread needs a plain one, so the in-process
 * evaluator gets that.
 */
export function esResources(
  config: EvaluatorSettings,
  net: Network,
  data: Dataset,
  remote: { readonly redisUrl?: string | undefined; readonly log?: (msg: string) => void } = {},
): EsResources {
  const threads = config.evaluator === 'threads';
  const tableSize = resolveNoiseTableSize(config, net.size);
  const noiseTable = createNoiseTable(
    config.seed,
    tableSize,
    threads ? new SharedArrayBuffer(4 * tableSize) : undefined,
  );
  const taskData: TaskData = {
    train: threads ? sharedSplit(data.train) : data.train,
    seed: config.seed,
    batchSize: config.batch,
    subsetSize: config.subsetSize,
    bucketSize: activeBucketSize(config),
  };
  const evaluator =
    config.evaluator === 'redis'
      ? new RedisEvaluator(net.size, noiseTable, taskData, {
          target: redisTarget(remote.redisUrl),
          model: config.model,
          dataset: config.dataset,
          ...(remote.log ? { log: remote.log } : {}),
        })
      : threads
        ? new ThreadsEvaluator(
            config.model,
            net.size,
            noiseTable,
            taskData,
            config.workers > 0 ? { workers: config.workers } : {},
          )
        : new LocalEvaluator(net, noiseTable, taskData);
  const aggregator = new Aggregator(noiseTable, { threads: config.threads });
  const close = async (): Promise<void> => {
    await evaluator.close();
    await aggregator.close();
  };
  return { noiseTable, taskData, evaluator, aggregator, close };
}

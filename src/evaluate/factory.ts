// The resources of an ES run from its settings: the noise table, task data, Evaluator (threads,
// in-process or Redis) and Aggregator; shared by training, the population search and the experiments.
import { Aggregator } from '../aggregate/index.ts';
import type { Model } from '../backend/model.ts';
import type { ModelSource } from '../backend/source.ts';
import type { Dataset } from '../data/index.ts';
import { type EsSettings, resolveNoiseTableSize } from '../es/index.ts';
import { createNoiseTable } from '../rng/noise-table.ts';
import { type Evaluator, taskData as makeTaskData, type TaskData } from './evaluator.ts';
import { defaultCopiesPerRun, LocalEvaluator } from './local.ts';
import { RedisEvaluator } from './redis.ts';
import { redisTarget } from './redis-connect.ts';
import { modelWork } from './redis-run.ts';
import { sharedSplit, ThreadsEvaluator } from './threads.ts';

/** The transport of evaluations: worker threads (default), this thread, or Redis workers anywhere. */
export type EvaluatorKind = 'threads' | 'local' | 'redis';

/** The settings an evaluator is built from: the ES settings that select tasks' data, and the transport. */
export interface EvaluatorSettings
  extends Pick<EsSettings, 'seed' | 'batch' | 'noiseTableSize' | 'subsetSize' | 'limited' | 'bucketSize'> {
  readonly evaluator: EvaluatorKind;
  /** Worker threads of the threads evaluator (0: every core). */
  readonly workers: number;
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

/** The run's noise table: in a SharedArrayBuffer for worker threads, else a plain one (ONNX Runtime here needs that). */
export function runNoiseTable(seed: number, size: number, shared: boolean): Float32Array {
  return createNoiseTable(seed, size, shared ? new SharedArrayBuffer(4 * size) : undefined);
}

/**
 * The noise table, task data, evaluator and aggregator of an ES run of `model` as configured. Every
 * evaluator builds what it evaluates from `source` (the model that `model` was opened from): worker
 * threads open it themselves, the Redis master publishes it; the data travel as the split or its fingerprint.
 */
export function esResources(
  config: EvaluatorSettings,
  model: Model,
  source: ModelSource,
  data: Dataset,
  remote: {
    readonly redisUrl?: string | undefined;
    readonly log?: (msg: string) => void;
    /** Stops a Redis round at once (Ctrl-C, SIGTERM). */
    readonly signal?: AbortSignal | undefined;
    /** The run directory, where the Redis master keeps workers.json. */
    readonly runDir?: string | undefined;
  } = {},
): EsResources {
  const threads = config.evaluator === 'threads';
  const noiseTable = runNoiseTable(config.seed, resolveNoiseTableSize(config, model.size), threads);
  const taskData = makeTaskData(threads ? sharedSplit(data.train) : data.train, config);
  const copiesPerRun = defaultCopiesPerRun(model.size);
  const evaluator =
    config.evaluator === 'redis'
      ? new RedisEvaluator(
          noiseTable,
          taskData.settings,
          modelWork(source, model.size, { name: data.name, train: data.train }, copiesPerRun),
          {
            target: redisTarget(remote.redisUrl),
            ...(remote.log ? { log: remote.log } : {}),
            ...(remote.signal ? { signal: remote.signal } : {}),
            ...(remote.runDir ? { runDir: remote.runDir } : {}),
          },
        )
      : threads
        ? new ThreadsEvaluator(source, model.size, noiseTable, taskData, {
            workers: config.workers,
            copiesPerRun,
          })
        : new LocalEvaluator(model, noiseTable, taskData, copiesPerRun);
  const aggregator = new Aggregator(noiseTable, { threads: config.threads });
  const close = async (): Promise<void> => {
    await evaluator.close();
    await aggregator.close();
  };
  return { noiseTable, taskData, evaluator, aggregator, close };
}

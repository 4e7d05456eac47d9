// The threads evaluator of a model (the default): a worker_threads pool, each worker opening the
// published ModelSource on one ONNX Runtime thread; the noise table, training images and θ shared.
import type { ModelSource } from '../backend/source.ts';
import type { Split } from '../data/index.ts';
import { workerEntry } from '../worker-thread.ts';
import type { TaskData } from './evaluator.ts';
import { defaultCopiesPerRun } from './local.ts';
import { PoolEvaluator, type PoolOptions } from './threads-pool.ts';
import type { WorkerInit } from './threads-protocol.ts';

export interface ThreadsOptions extends Omit<PoolOptions, 'onFailures'> {
  readonly copiesPerRun?: number;
  /** Tasks sent to a worker at a time (default 2 × copiesPerRun). */
  readonly tasksPerChunk?: number;
}

const WORKER_URL = workerEntry('./worker', import.meta.url);

/** Copies a split's arrays into SharedArrayBuffers (once), so every worker reads the same memory. */
export function sharedSplit(split: Split): Split {
  const images = new Float32Array(new SharedArrayBuffer(split.imagesNxHxW.byteLength));
  images.set(split.imagesNxHxW);
  const labels = new Int32Array(new SharedArrayBuffer(split.labelsN.byteLength));
  labels.set(split.labelsN);
  return { ...split, imagesNxHxW: images, labelsN: labels };
}

const isShared = (split: Split): boolean =>
  split.imagesNxHxW.buffer instanceof SharedArrayBuffer && split.labelsN.buffer instanceof SharedArrayBuffer;

export class ThreadsEvaluator extends PoolEvaluator {
  /**
   * @param source what each worker opens (openModel(source, {threads: 1})); params is its P
   * @param noiseTable must live in a SharedArrayBuffer (createNoiseTable(seed, size, new SharedArrayBuffer(4 * size)))
   * @param data its train split should be sharedSplit(...) so workers do not copy the images
   */
  constructor(
    source: ModelSource,
    params: number,
    noiseTable: Float32Array,
    data: TaskData,
    opts: ThreadsOptions = {},
  ) {
    const copiesPerRun = opts.copiesPerRun ?? defaultCopiesPerRun(params);
    const init: Omit<WorkerInit, 'thetaS'> = {
      source,
      tableS: noiseTable,
      train: isShared(data.train) ? data.train : sharedSplit(data.train),
      settings: data.settings,
      copiesPerRun,
    };
    super(WORKER_URL, params, init, { ...opts, tasksPerChunk: opts.tasksPerChunk ?? 2 * copiesPerRun });
  }
}

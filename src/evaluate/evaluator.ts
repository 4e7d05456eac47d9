// The one seam between the ES algorithm and its transport: Evaluator.evaluate(θ, σ, tasks) -> rewards.
// Local, threaded and Redis evaluators implement it and must give bit-identical rewards.

import { batchIndices, gatherBatch, type Split, subsetIndices } from '../data/index.ts';
import type { EsTask } from '../es/task.ts';
import type { Batch, Vec } from '../types.ts';

export interface Evaluator {
  /**
   * Rewards (−mean cross-entropy, maximised) of the tasks at θ: rewardsN[i] belongs to tasks[i].
   * `onProgress` (optional) hears how many tasks are done, for progress displays.
   */
  evaluate(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array>;
  close(): Promise<void>;
}

/** What selects the data of a task; every evaluator rebuilds batches from it and the task alone. */
export interface TaskData {
  readonly train: Split;
  /** The run's seed: generation g evaluates on mini-batch g of the seeded sequence (as SGD's step g). */
  readonly seed: number;
  readonly batchSize: number;
  /** Size of an offspring's own subset when its task carries a dataSeed (no-mini-batch ES). */
  readonly subsetSize: number;
  /** Limited perturbation: the bucket size S that tasks' bucket indices refer to (0: none). */
  readonly bucketSize: number;
}

/** The batch of a task: the generation's shared mini-batch, or the offspring's own seeded subset. */
export function taskIndices(data: TaskData, task: EsTask): Int32Array {
  return task.dataSeed < 0
    ? batchIndices(data.seed, task.generation, data.batchSize, data.train.count)
    : subsetIndices(task.dataSeed, data.subsetSize, data.train.count);
}

/** Batches for a list of tasks, built once per distinct data selector (a shared batch is one object). */
export function taskBatches(data: TaskData, tasks: readonly EsTask[]): Batch[] {
  const cache = new Map<string, Batch>();
  return tasks.map((t) => {
    const key = t.dataSeed < 0 ? `g${t.generation}` : `s${t.dataSeed}`;
    let b = cache.get(key);
    if (!b) {
      b = gatherBatch(data.train, taskIndices(data, t));
      cache.set(key, b);
    }
    return b;
  });
}

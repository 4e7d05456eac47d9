// The one seam between the ES algorithm and its transport: Evaluator.evaluate(θ, σ, tasks) -> rewards,
// and the evaluation settings every evaluator (local, threads, Redis) receives as one object.

import type { z } from 'zod';
import { batchIndices, gatherBatch, type Split, subsetIndices } from '../data/index.ts';
import { esConfigSchema } from '../es/index.ts';
import type { EsTask } from '../es/task.ts';
import type { Batch, Vec } from '../types.ts';

export interface Evaluator {
  /**
   * Rewards (maximised: −loss of a model, ±f of an objective) of the tasks at θ: rewardsN[i] belongs
   * to tasks[i]. `onProgress` (optional) hears how many tasks are done, for progress displays.
   */
  evaluate(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array>;
  close(): Promise<void>;
}

/**
 * The ES settings an evaluator needs besides the tasks (picked from the one schema, es/config.ts):
 * the seed (noise table, generation g's mini-batch), the mini-batch and subset sizes, and the limited
 * perturbation's buckets. Travels whole to worker threads and Redis workers.
 */
export const evaluationSettingsSchema = esConfigSchema
  .pick({ seed: true, batch: true, subsetSize: true, limited: true, bucketSize: true })
  .strip();
export type EvaluationSettings = z.output<typeof evaluationSettingsSchema>;

/** The evaluation settings of a (larger) config, defaults filled in; other fields dropped. */
export function evaluationSettings(config: z.input<typeof evaluationSettingsSchema>): EvaluationSettings {
  return evaluationSettingsSchema.parse(config);
}

/** What selects the data of a task; every evaluator rebuilds batches from it and the task alone. */
export interface TaskData {
  readonly train: Split;
  readonly settings: EvaluationSettings;
}

/** Task data of a training split under a config's evaluation settings. */
export function taskData(train: Split, config: z.input<typeof evaluationSettingsSchema>): TaskData {
  return { train, settings: evaluationSettings(config) };
}

/** The batch of a task: the generation's shared mini-batch, or the offspring's own seeded subset. */
export function taskIndices(data: TaskData, task: EsTask): Int32Array {
  const s = data.settings;
  return task.dataSeed < 0
    ? batchIndices(s.seed, task.generation, s.batch, data.train.count)
    : subsetIndices(task.dataSeed, s.subsetSize, data.train.count);
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

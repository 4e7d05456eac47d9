// The in-process evaluator: runs the population graph on this thread's ONNX Runtime session, K
// offspring per session.run, perturbations as zero-copy views of the noise table.
import type { Network } from '../backend/network.ts';
import type { EsTask } from '../es/task.ts';
import type { Vec } from '../types.ts';
import { taskBatches, type Evaluator, type TaskData } from './evaluator.ts';

/**
 * Offspring per session.run: amortises the ~40 µs cost of a run without huge graphs. Large networks
 * use 2 (one mirrored pair): a run is long anyway, and each distinct noise window a worker copies
 * costs it P floats of memory.
 */
export function defaultCopiesPerRun(params: number): number {
  return params > 1_000_000 ? 2 : 10;
}

/**
 * Rewards of `tasks` (whose noiseOffsets index `noise`), K per session.run: the one evaluation
 * routine of every evaluator, so that all of them give the same rewards bit for bit.
 */
export async function evaluateTasks(
  net: Network, noise: Float32Array, data: TaskData, thetaP: Vec, sigma: number, tasks: readonly EsTask[],
  copiesPerRun: number, onProgress?: (done: number) => void,
): Promise<Float64Array> {
  const rewardsN = new Float64Array(tasks.length);
  const batches = taskBatches(data, tasks);
  for (let start = 0; start < tasks.length; start += copiesPerRun) {
    const chunk = tasks.slice(start, start + copiesPerRun);
    for (const t of chunk) {
      if (t.bucket !== -1) throw new Error(`task ${t.id}: limited perturbation (bucket ${t.bucket}) is not supported by this evaluator`);
    }
    const copies = chunk.map((t) => ({ offset: t.noiseOffset, coef: t.sign * sigma }));
    const losses = await net.populationLosses(thetaP, noise, copies, batches.slice(start, start + chunk.length));
    losses.forEach((l, k) => (rewardsN[start + k] = -l));
    onProgress?.(start + chunk.length);
  }
  return rewardsN;
}

export class LocalEvaluator implements Evaluator {
  constructor(
    private readonly net: Network,
    private readonly noiseTable: Float32Array,
    private readonly data: TaskData,
    private readonly copiesPerRun = defaultCopiesPerRun(net.size),
  ) {}

  evaluate(thetaP: Vec, sigma: number, tasks: readonly EsTask[], onProgress?: (done: number) => void): Promise<Float64Array> {
    return evaluateTasks(this.net, this.noiseTable, this.data, thetaP, sigma, tasks, this.copiesPerRun, onProgress);
  }

  async close(): Promise<void> {}
}

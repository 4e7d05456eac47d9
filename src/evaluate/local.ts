// The in-process evaluator: runs the population graph on this thread's ONNX Runtime session, K
// offspring per session.run, perturbations as zero-copy views of the shared noise table.
import type { Network } from '../backend/network.ts';
import type { EsTask } from '../es/task.ts';
import type { Vec } from '../types.ts';
import { taskBatches, type Evaluator, type TaskData } from './evaluator.ts';

/** Offspring per session.run: amortises the ~40 µs cost of a run without huge graphs. */
export const DEFAULT_COPIES_PER_RUN = 10;

export class LocalEvaluator implements Evaluator {
  constructor(
    private readonly net: Network,
    private readonly noiseTable: Float32Array,
    private readonly data: TaskData,
    private readonly copiesPerRun = DEFAULT_COPIES_PER_RUN,
  ) {}

  async evaluate(thetaP: Vec, sigma: number, tasks: readonly EsTask[], onProgress?: (done: number) => void): Promise<Float64Array> {
    const rewardsN = new Float64Array(tasks.length);
    const batches = taskBatches(this.data, tasks);
    for (let start = 0; start < tasks.length; start += this.copiesPerRun) {
      const chunk = tasks.slice(start, start + this.copiesPerRun);
      for (const t of chunk) {
        if (t.bucket !== -1) throw new Error(`task ${t.id}: limited perturbation (bucket ${t.bucket}) is not supported by this evaluator`);
      }
      const copies = chunk.map((t) => ({ offset: t.noiseOffset, coef: t.sign * sigma }));
      const losses = await this.net.populationLosses(thetaP, this.noiseTable, copies, batches.slice(start, start + chunk.length));
      losses.forEach((l, k) => (rewardsN[start + k] = -l));
      onProgress?.(start + chunk.length);
    }
    return rewardsN;
  }

  async close(): Promise<void> {}
}

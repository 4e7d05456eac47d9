// The in-process evaluator: runs the model's population graph on this thread's ONNX Runtime session, K
// offspring per session.run, perturbations as zero-copy views of the noise table.
import type { Model } from '../backend/model.ts';
import { bucketLayout, windowLength } from '../es/buckets.ts';
import { activeBucketSize } from '../es/index.ts';
import type { EsTask } from '../es/task.ts';
import type { Vec } from '../types.ts';
import { type Evaluator, type TaskData, taskBatches } from './evaluator.ts';

/**
 * Offspring per session.run: amortises the ~40 µs cost of a run without huge graphs. Large networks
 * use 4 (two mirrored pairs; bench/FINDINGS.md: +4-8% over 2): a run is long anyway, and each distinct noise window a worker copies
 * costs it P floats of memory.
 */
export function defaultCopiesPerRun(params: number): number {
  return params > 1_000_000 ? 4 : 10;
}

/**
 * Rewards of `tasks` (whose noiseOffsets index `noise`), K per session.run: the one evaluation
 * routine of every evaluator, so that all of them give the same rewards bit for bit. A task that
 * perturbs one bucket gets a P-long noise vector that is zero outside the bucket (a scratch buffer
 * per copy slot; only the bucket's window is written and cleared again).
 */
export async function evaluateTasks(
  net: Model,
  noise: Float32Array,
  data: TaskData,
  thetaP: Vec,
  sigma: number,
  tasks: readonly EsTask[],
  copiesPerRun: number,
  onProgress?: (done: number) => void,
): Promise<Float64Array> {
  const P = net.size;
  const rewardsN = new Float64Array(tasks.length);
  const batches = taskBatches(data, tasks);
  const bucketSize = activeBucketSize(data.settings);
  const buckets = bucketSize > 0 ? bucketLayout(P, bucketSize) : undefined;
  const scratch = buckets ? new Float32Array(copiesPerRun * P) : undefined;
  for (let start = 0; start < tasks.length; start += copiesPerRun) {
    const chunk = tasks.slice(start, start + copiesPerRun);
    const copies = chunk.map((t, k) => ({
      offset: t.noiseOffset,
      coef: t.sign * sigma,
      k,
      bucket: t.bucket,
    }));
    if (scratch && buckets) {
      for (const c of copies) {
        const b = c.bucket,
          size = windowLength(buckets, b, P);
        if (b < 0)
          throw new Error(`task ${chunk[c.k]!.id}: a full perturbation in a limited-perturbation run`);
        scratch.set(noise.subarray(c.offset, c.offset + size), c.k * P + buckets.startsB[b]!);
        c.offset = c.k * P;
      }
    }
    const losses = await net.populationLosses(
      thetaP,
      scratch ?? noise,
      copies,
      batches.slice(start, start + chunk.length),
    );
    for (let k = 0; k < losses.length; k++) rewardsN[start + k] = -losses[k]!;
    if (scratch && buckets)
      for (const c of copies)
        scratch.fill(
          0,
          c.k * P + buckets.startsB[c.bucket]!,
          c.k * P + buckets.startsB[c.bucket]! + buckets.sizesB[c.bucket]!,
        );
    onProgress?.(start + chunk.length);
  }
  return rewardsN;
}

export class LocalEvaluator implements Evaluator {
  constructor(
    private readonly net: Model,
    private readonly noiseTable: Float32Array,
    private readonly data: TaskData,
    private readonly copiesPerRun = defaultCopiesPerRun(net.size),
  ) {}

  evaluate(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array> {
    return evaluateTasks(
      this.net,
      this.noiseTable,
      this.data,
      thetaP,
      sigma,
      tasks,
      this.copiesPerRun,
      onProgress,
    );
  }

  async close(): Promise<void> {}
}

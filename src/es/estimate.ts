// The steps of tell(): check a generation's tasks, keep the usable rewards (finite, and with mirrored
// sampling both of a pair), and turn their shaped fitness into one weight per distinct noise window.
import { UsageError } from '../types.ts';
import type { Buckets } from './buckets.ts';
import type { EsConfig } from './config.ts';
import type { EsTask } from './task.ts';

/** Throws unless every task is of `generation`, perturbs an allowed bucket and has a unique id; index by id. */
export function indexTasks(
  tasks: readonly EsTask[],
  generation: number,
  buckets: Buckets | undefined,
): Map<number, number> {
  const bucketCount = buckets?.sizesB.length ?? 0;
  const indexOfId = new Map<number, number>();
  tasks.forEach((t, i) => {
    if (t.generation !== generation) {
      throw new Error(`tell: task ${t.id} is from generation ${t.generation}, state is at ${generation}`);
    }
    if (buckets ? !(t.bucket >= 0 && t.bucket < bucketCount) : t.bucket !== -1) {
      const allowed = buckets ? `0..${bucketCount - 1}` : '-1 (all parameters)';
      throw new Error(`tell: task ${t.id} perturbs bucket ${t.bucket}; allowed: ${allowed}`);
    }
    if (indexOfId.has(t.id)) throw new Error(`tell: task id ${t.id} appears twice`);
    indexOfId.set(t.id, i);
  });
  return indexOfId;
}

export interface UsableRewards {
  /** Indices of the tasks whose reward enters the estimate. */
  readonly used: number[];
  /** Rewards that were NaN or +-Inf. */
  readonly bad: number;
  /** Mean, max and min of the finite rewards. */
  readonly mean: number;
  readonly max: number;
  readonly min: number;
}

/**
 * The tasks whose reward is finite and, when mirrored, whose partner (id ^ 1, same offset and bucket,
 * opposite sign) has a finite reward too; a UsageError (σ too large, θ diverged) when none is left.
 */
export function usableRewards(
  config: EsConfig,
  generation: number,
  tasks: readonly EsTask[],
  rewardsN: Float64Array,
  indexOfId: ReadonlyMap<number, number>,
): UsableRewards {
  let bad = 0;
  let sum = 0;
  let max = -Infinity;
  let min = Infinity;
  const used: number[] = [];
  tasks.forEach((t, i) => {
    const r = rewardsN[i]!;
    if (!Number.isFinite(r)) {
      bad++;
      return;
    }
    sum += r;
    max = Math.max(max, r);
    min = Math.min(min, r);
    if (config.mirrored) {
      const j = indexOfId.get(t.id ^ 1);
      const partner = j === undefined ? undefined : tasks[j]!;
      if (j === undefined || partner === undefined || !Number.isFinite(rewardsN[j]!)) return;
      if (partner.noiseOffset !== t.noiseOffset || partner.sign !== -t.sign || partner.bucket !== t.bucket) {
        throw new Error(`tell: tasks ${t.id} and ${partner.id} are not a mirrored pair`);
      }
    }
    used.push(i);
  });
  if (used.length === 0) {
    const pairs = config.mirrored ? ', or no mirrored pair with both rewards finite' : '';
    throw new UsageError(
      `es: generation ${generation}: no usable reward among ${tasks.length} (${bad} NaN/Inf${pairs}); ` +
        `cannot estimate a gradient: σ = ${config.sigma} is likely too large for this model, or θ has ` +
        'diverged (try a smaller --sigma or --lr)',
    );
  }
  return { used, bad, mean: sum / (tasks.length - bad), max, min };
}

/** One weight per distinct (bucket, noise offset): the LOSS-gradient estimate is sum_k weight_k eps_k. */
export interface GradientTerms {
  readonly offsetsK: number[];
  readonly weightsK: Float64Array;
  /** The bucket of each term (-1: every parameter). */
  readonly bucketsK: Int32Array;
}

/**
 * weight = -sum of sign_i f_i over the term's tasks / (N sigma), N the evaluations used (per bucket
 * with limited perturbation): a mirrored pair enters once as (f+ - f-). Minus: the LOSS gradient.
 */
export function gradientTerms(
  config: EsConfig,
  tasks: readonly EsTask[],
  used: readonly number[],
  fitnessU: Float64Array,
  bucketCount: number,
): GradientTerms {
  const usedPerBucket = new Float64Array(Math.max(1, bucketCount));
  for (const i of used) usedPerBucket[Math.max(0, tasks[i]!.bucket)]!++;
  const terms = new Map<number, { offset: number; bucket: number; weight: number }>();
  used.forEach((i, k) => {
    const t = tasks[i]!;
    const key = (t.bucket + 1) * config.noiseTableSize + t.noiseOffset;
    const term = terms.get(key) ?? { offset: t.noiseOffset, bucket: t.bucket, weight: 0 };
    term.weight += t.sign * fitnessU[k]!;
    terms.set(key, term);
  });
  const list = [...terms.values()];
  return {
    offsetsK: list.map((t) => t.offset),
    weightsK: Float64Array.from(
      list,
      (t) => -t.weight / (usedPerBucket[Math.max(0, t.bucket)]! * config.sigma),
    ),
    bucketsK: Int32Array.from(list, (t) => t.bucket),
  };
}

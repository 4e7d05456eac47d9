// The OpenAI-ES strategy (Salimans et al. 2017; the paper's sec. 2) as init / ask / tell on immutable
// state (evosax style). The transport of tasks and rewards is elsewhere (evaluate/).

import type { Aggregator } from '../aggregate/index.ts';
import { createOptimizer, type PlainState, type StepReuse } from '../optim/index.ts';
import { checkNoiseTableSize } from '../rng/noise-table.ts';
import { createRng, hashSeed, nextInt } from '../rng/prng.ts';
import { UsageError, type Vec } from '../types.ts';
import { l2Norm } from '../vector.ts';
import { type Buckets, bucketLayout } from './buckets.ts';
import {
  activeBucketSize,
  type EsConfig,
  type EsConfigInput,
  optimizerConfig,
  parseEsConfig,
  resolveNoiseTableSize,
} from './config.ts';
import { gradientTerms, indexTasks, usableRewards } from './estimate.ts';
import { shapeFitness } from './fitness.ts';
import type { EsTask } from './task.ts';

/** Everything a run needs to continue: plain data, so it can be checkpointed as is. */
export interface EsState {
  readonly config: EsConfig;
  /** The current parameters theta_t (P floats). */
  readonly thetaP: Vec;
  /** State of chain(addWeightDecay(l2), adam | sgd), see optim/config.ts. */
  readonly optState: PlainState;
  /** t: the number of tell() calls so far; the offsets of generation t derive from (seed, t). */
  readonly generation: number;
}

export type EsMetrics = {
  generation: number;
  /** Mean, max and min of the finite raw rewards of the generation. */
  rewardMean: number;
  rewardMax: number;
  rewardMin: number;
  /** |gradP|: L2 norm of the ES gradient estimate. */
  gradNorm: number;
  /** Rewards that were NaN or +-Inf (skipped). */
  badRewards: number;
  /** Evaluations that entered the gradient (N minus bad ones and, when mirrored, their partners). */
  evaluationsUsed: number;
};

const OFFSET_STREAM = 0x0ff5e7;
const BUCKET_STREAM = 0xb0c4e7;
const DATA_STREAM = 0xda7a;

/**
 * Validates the config (UsageError on bad values or a noise table smaller than P), sizes the noise
 * table for P when the config leaves it open, and starts at theta0.
 */
export function init(config: EsConfigInput | EsConfig, theta0P: Vec): EsState {
  const settings = parseEsConfig(config);
  if (theta0P.length < 1) throw new UsageError('es: the parameter vector is empty (P = 0)');
  const parsed = { ...settings, noiseTableSize: resolveNoiseTableSize(settings, theta0P.length) };
  checkNoiseTableSize(parsed.noiseTableSize, theta0P.length);
  const thetaP = theta0P.slice();
  return {
    config: parsed,
    thetaP,
    optState: esOptimizer(parsed).init(thetaP),
    generation: 0,
  };
}

function esOptimizer(config: EsConfig) {
  return createOptimizer(optimizerConfig(config), config.l2);
}

/**
 * `count` noise offsets drawn uniformly from [0, tableSize - P], a pure function of
 * (seed, generation): createRng(hashSeed(seed, 0x0FF5E7, generation)). No RNG state to save.
 */
export function sampleOffsets(
  seed: number,
  generation: number,
  count: number,
  tableSize: number,
  P: number,
): number[] {
  const rng = createRng(hashSeed(seed, OFFSET_STREAM, generation));
  const span = tableSize - P + 1;
  return Array.from({ length: count }, () => nextInt(rng, span));
}

/** The bucket layout of a limited-perturbation config (undefined when every parameter is perturbed). */
export function stateBuckets(config: EsConfig, P: number): Buckets | undefined {
  const size = activeBucketSize(config);
  return size > 0 ? bucketLayout(P, size) : undefined;
}

/**
 * The N tasks of the current generation, in units (a mirrored pair, or one offspring when plain).
 * Mirrored: tasks 2k and 2k+1 share unit k's offset, bucket and data, with signs +1 and -1.
 * A unit perturbs every parameter (bucket -1) or, with limited perturbation, one uniformly drawn
 * bucket, whose noise window then has the bucket's length. It evaluates on the generation's shared
 * mini-batch (dataSeed -1) or, without mini-batches, on its own subset seeded by (seed, generation, unit).
 * Everything is a pure function of (seed, generation).
 */
export function ask(state: EsState): EsTask[] {
  const { population: N, mirrored, seed, noiseTableSize, noMinibatch } = state.config;
  const generation = state.generation;
  const P = state.thetaP.length;
  const units = mirrored ? N / 2 : N;
  const buckets = stateBuckets(state.config, P);
  const maxWindow = buckets ? Math.max(...buckets.sizesB) : P;
  const offsets = sampleOffsets(seed, generation, units, noiseTableSize, maxWindow);
  const bucketRng = createRng(hashSeed(seed, BUCKET_STREAM, generation));
  const bucketOf = Array.from({ length: units }, () =>
    buckets ? nextInt(bucketRng, buckets.sizesB.length) : -1,
  );
  return Array.from({ length: N }, (_, id): EsTask => {
    const unit = mirrored ? id >> 1 : id;
    return {
      id,
      generation,
      noiseOffset: offsets[unit]!,
      sign: mirrored && (id & 1) === 1 ? -1 : 1,
      bucket: bucketOf[unit]!,
      dataSeed: noMinibatch ? hashSeed(seed, DATA_STREAM, generation, unit) : -1,
    };
  });
}

/**
 * Estimates the gradient from the rewards of `tasks` (reward i belongs to tasks[i]) and takes one
 * optimizer step. The paper's eq. (1), g = 1/(N sigma^2) sum_i v_i r_i with v_i = sigma eps_i, is
 * the same as g = 1/(N sigma) sum_i eps_i f_i, computed here with f = shaped rewards and
 * eps_i = sign_i * table[o_i, o_i + P). Rewards are maximised, so the LOSS gradient is -g; that is
 * what the optimizer receives and what is returned as gradP (same sign as backprop's gradient of the
 * loss, so pearson(gradP, trueLossGradP) is the paper's rho). Terms sharing an offset are summed
 * first, so a mirrored pair enters once as (f+ - f-) eps / (N sigma).
 * Non-finite rewards are skipped and counted (with mirrored sampling the partner is dropped too, so
 * the pair cancellation of the baseline survives); N becomes the number of evaluations used.
 *
 * Limited perturbation (config.limited): offspring i perturbs only bucket b_i with eps_i of the
 * bucket's length. The estimate of bucket b is g_b = 1/(N_b sigma) sum_{i: b_i = b} f_i eps_i, with
 * N_b the evaluations used on bucket b; buckets no offspring drew get 0. Given N_b > 0 it is
 * unbiased for the bucket's slice of the gradient, as the full estimate is for all of θ (Stein's
 * lemma applied to the bucket's coordinates only); only the perturbed parameters are aggregated.
 * `reuse`: as the optimizer's step (in place; `state` must not be used afterwards).
 */
export function tell(
  state: EsState,
  tasks: readonly EsTask[],
  rewardsN: Float64Array,
  aggregator: Aggregator,
  reuse?: StepReuse,
): { state: EsState; metrics: EsMetrics; gradP: Vec } {
  const { config, generation, thetaP } = state;
  const P = thetaP.length;
  if (tasks.length !== rewardsN.length) {
    throw new RangeError(`tell: ${tasks.length} tasks but ${rewardsN.length} rewards`);
  }
  if (aggregator.table.length !== config.noiseTableSize) {
    throw new RangeError(
      `tell: noise table has ${aggregator.table.length} floats, config says ${config.noiseTableSize}`,
    );
  }
  const buckets = stateBuckets(config, P);
  const indexOfId = indexTasks(tasks, generation, buckets);
  const rewards = usableRewards(config, generation, tasks, rewardsN, indexOfId);
  const fitnessU = shapeFitness(
    Float64Array.from(rewards.used, (i) => rewardsN[i]!),
    config.fitness,
  );
  const { offsetsK, weightsK, bucketsK } = gradientTerms(
    config,
    tasks,
    rewards.used,
    fitnessU,
    buckets?.sizesB.length ?? 0,
  );
  const gradP = buckets
    ? aggregator.sumBuckets(offsetsK, weightsK, bucketsK, buckets.startsB, buckets.sizesB, P)
    : aggregator.sum(offsetsK, weightsK, P);
  // update + applyUpdates in one fused pass; fresh θ', m, v (tell leaves `state` as it was) unless
  // `reuse` lets it write over the state's buffers (see StepReuse)
  const stepped = esOptimizer(config).step(gradP, state.optState, thetaP, reuse);
  const metrics: EsMetrics = {
    generation,
    rewardMean: rewards.mean,
    rewardMax: rewards.max,
    rewardMin: rewards.min,
    gradNorm: l2Norm(gradP),
    badRewards: rewards.bad,
    evaluationsUsed: rewards.used.length,
  };
  const next = { config, thetaP: stepped.thetaP, optState: stepped.state, generation: generation + 1 };
  return { state: next, metrics, gradP };
}

// The OpenAI-ES strategy (Salimans et al. 2017; the paper's sec. 2) as init / ask / tell on immutable
// state (evosax style). The transport of tasks and rewards is elsewhere (evaluate/).

import { applyUpdates, createOptimizer, type PlainState } from '../optim/index.ts';
import { checkNoiseTableSize } from '../rng/noise-table.ts';
import { createRng, hashSeed, nextInt } from '../rng/prng.ts';
import { UsageError, type Vec } from '../types.ts';
import { aggregateDirect } from './aggregate.ts';
import { parseEsConfig, type EsConfig, type EsConfigInput } from './config.ts';
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

/** Validates the config (UsageError on bad values or a noise table smaller than P) and starts at theta0. */
export function init(config: EsConfigInput | EsConfig, theta0P: Vec): EsState {
  const parsed = parseEsConfig(config);
  if (theta0P.length < 1) throw new UsageError('es: the parameter vector is empty (P = 0)');
  checkNoiseTableSize(parsed.noiseTableSize, theta0P.length);
  const thetaP = theta0P.slice();
  return { config: parsed, thetaP, optState: createOptimizer(parsed.optimizer, parsed.l2).init(thetaP), generation: 0 };
}

/**
 * `count` noise offsets drawn uniformly from [0, tableSize - P], a pure function of
 * (seed, generation): createRng(hashSeed(seed, 0x0FF5E7, generation)). No RNG state to save.
 */
export function sampleOffsets(seed: number, generation: number, count: number, tableSize: number, P: number): number[] {
  const rng = createRng(hashSeed(seed, OFFSET_STREAM, generation));
  const span = tableSize - P + 1;
  return Array.from({ length: count }, () => nextInt(rng, span));
}

/**
 * The N tasks of the current generation. Mirrored: tasks 2k and 2k+1 share offset o_k with signs
 * +1 and -1. Plain: N offsets, sign +1. All perturb every parameter (bucket -1) on the shared batch
 * (dataSeed -1).
 */
export function ask(state: EsState): EsTask[] {
  const { populationSize: N, mirrored, seed, noiseTableSize } = state.config;
  const generation = state.generation;
  const offsets = sampleOffsets(seed, generation, mirrored ? N / 2 : N, noiseTableSize, state.thetaP.length);
  return Array.from({ length: N }, (_, id): EsTask => ({
    id,
    generation,
    noiseOffset: mirrored ? offsets[id >> 1]! : offsets[id]!,
    sign: mirrored && (id & 1) === 1 ? -1 : 1,
    bucket: -1,
    dataSeed: -1,
  }));
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
 */
export function tell(
  state: EsState,
  tasks: readonly EsTask[],
  rewardsN: Float64Array,
  noiseTable: Float32Array,
): { state: EsState; metrics: EsMetrics; gradP: Vec } {
  const { config, generation, thetaP } = state;
  const P = thetaP.length;
  if (tasks.length !== rewardsN.length) throw new RangeError(`tell: ${tasks.length} tasks but ${rewardsN.length} rewards`);
  if (noiseTable.length !== config.noiseTableSize) {
    throw new RangeError(`tell: noise table has ${noiseTable.length} floats, config says ${config.noiseTableSize}`);
  }
  const indexOfId = new Map<number, number>();
  tasks.forEach((t, i) => {
    if (t.generation !== generation) throw new Error(`tell: task ${t.id} is from generation ${t.generation}, state is at ${generation}`);
    if (t.bucket !== -1) throw new Error(`tell: task ${t.id} perturbs bucket ${t.bucket}; this strategy perturbs all parameters`);
    if (indexOfId.has(t.id)) throw new Error(`tell: task id ${t.id} appears twice`);
    indexOfId.set(t.id, i);
  });

  let bad = 0, sum = 0, max = -Infinity, min = Infinity, finite = 0;
  const used: number[] = [];
  tasks.forEach((t, i) => {
    const r = rewardsN[i]!;
    if (!Number.isFinite(r)) return void bad++;
    finite++;
    sum += r;
    max = Math.max(max, r);
    min = Math.min(min, r);
    if (config.mirrored) {
      const j = indexOfId.get(t.id ^ 1);
      const partner = j === undefined ? undefined : tasks[j]!;
      if (j === undefined || partner === undefined || !Number.isFinite(rewardsN[j]!)) return;
      if (partner.noiseOffset !== t.noiseOffset || partner.sign !== -t.sign) {
        throw new Error(`tell: tasks ${t.id} and ${partner.id} are not a mirrored pair`);
      }
    }
    used.push(i);
  });
  if (used.length === 0) {
    throw new Error(
      `tell: generation ${generation}: no usable reward among ${tasks.length} (${bad} NaN/Inf` +
        `${config.mirrored ? ', or no mirrored pair with both rewards finite' : ''}); cannot estimate a gradient`,
    );
  }

  const fitnessU = shapeFitness(Float64Array.from(used, (i) => rewardsN[i]!), config.fitnessShaping);
  const weightByOffset = new Map<number, number>();
  used.forEach((i, k) => {
    const t = tasks[i]!;
    weightByOffset.set(t.noiseOffset, (weightByOffset.get(t.noiseOffset) ?? 0) + t.sign * fitnessU[k]!);
  });
  const scale = -1 / (used.length * config.sigma); // minus: loss gradient
  const offsetsK = [...weightByOffset.keys()];
  const weightsK = Float64Array.from(weightByOffset.values(), (w) => w * scale);
  const gradP = aggregateDirect(noiseTable, offsetsK, weightsK, P);

  const { updatesP, state: optState } = createOptimizer(config.optimizer, config.l2).update(gradP, state.optState, thetaP);
  let sq = 0;
  for (let j = 0; j < P; j++) sq += gradP[j]! * gradP[j]!;
  const metrics: EsMetrics = {
    generation,
    rewardMean: sum / finite,
    rewardMax: max,
    rewardMin: min,
    gradNorm: Math.sqrt(sq),
    badRewards: bad,
    evaluationsUsed: used.length,
  };
  return { state: { config, thetaP: applyUpdates(thetaP, updatesP), optState, generation: generation + 1 }, metrics, gradP };
}

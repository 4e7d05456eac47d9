// The paper's correlation-vs-population question where rewards are episode returns (issue 13 #6): at a
// fixed θ, ρ between N-offspring ES estimates and a reference estimate from a much larger population.
import type { Aggregator } from '../aggregate/index.ts';
import { ask, type EsState, type EsTask, shapeFitness, tell } from '../es/index.ts';
import type { Vec } from '../types.ts';
import { pearson } from './correlation.ts';

/** Generations of the analysis' offspring streams: far beyond any run's, one per stream (independent noise). */
export const REFERENCE_GENERATION = 0x40000000;
export const repeatGeneration = (r: number): number => REFERENCE_GENERATION + 1 + r;

/**
 * `count` offspring as training draws them at `generation`: ask()'s noise offsets, signs (mirrored pairs)
 * and environment seeds (each pair its own, or the generation's shared one), from the run's seed.
 */
export function streamTasks(state: EsState, generation: number, count: number): EsTask[] {
  return ask({ ...state, config: { ...state.config, population: count }, generation });
}

/**
 * The ES gradient estimate of the first n offspring of a stream: exactly what tell() computes from
 * their rewards (fitness shaped over these n, non-finite rewards dropped with their partner). The loss
 * direction, as tell's gradP; a correlation does not see the sign when both estimates share it.
 */
export function estimateOf(
  state: EsState,
  tasks: readonly EsTask[],
  rewardsN: Float64Array,
  n: number,
  aggregator: Aggregator,
): Vec {
  const generation = tasks[0]!.generation;
  return tell({ ...state, generation }, tasks.slice(0, n), rewardsN.subarray(0, n), aggregator).gradP;
}

/**
 * Signal-to-noise ratio per mirrored pair, S = |g|² / tr Σ, estimated from a stream's pairs: with
 * x_k = n (f⁺ − f⁻) ε_k (the pair's shaped term, n pairs), the estimate is the mean m of the x_k,
 * tr Σ ≈ Σ|x_k − m|² / (n − 1) and |g|² ≈ |m|² − tr Σ / n (unbiased). Mirrored streams only.
 */
export function pairSignalToNoise(
  state: EsState,
  tasks: readonly EsTask[],
  rewardsN: Float64Array,
  table: Float32Array,
): number {
  const P = state.thetaP.length;
  const finite = (k: number) => Number.isFinite(rewardsN[2 * k]!) && Number.isFinite(rewardsN[2 * k + 1]!);
  const pairs = Array.from({ length: tasks.length >> 1 }, (_, k) => k).filter(finite); // as tell drops them
  const fitness = shapeFitness(
    Float64Array.from(pairs.flatMap((k) => [rewardsN[2 * k]!, rewardsN[2 * k + 1]!])),
    state.config.fitness,
  );
  const mP = new Float64Array(P);
  let sumSq = 0;
  const used = pairs.length;
  for (const [i, k] of pairs.entries()) {
    const w = tasks[2 * k]!.sign * (fitness[2 * i]! - fitness[2 * i + 1]!);
    const o = tasks[2 * k]!.noiseOffset;
    let norm2 = 0;
    for (let j = 0; j < P; j++) {
      const e = table[o + j]!;
      norm2 += e * e;
      mP[j]! += w * e;
    }
    sumSq += w * w * norm2;
  }
  let m2 = 0;
  for (let j = 0; j < P; j++) {
    mP[j]! /= used;
    m2 += mP[j]! * mP[j]!;
  }
  const trace = (sumSq - used * m2) / (used - 1);
  return Math.max(m2 - trace / used, 0) / trace;
}

/** Expected ρ of an estimate of n mirrored pairs with the true gradient given S: the mean of n i.i.d. terms, sqrt(nS / (nS + 1)). */
export const predictedTrueCorrelation = (offspring: number, S: number): number =>
  Math.sqrt(((offspring / 2) * S) / ((offspring / 2) * S + 1));

/** Expected ρ between independent estimates of two sizes: their errors are independent, so the product. */
export function predictedCorrelation(offspring: number, reference: number, S: number): number {
  return predictedTrueCorrelation(offspring, S) * predictedTrueCorrelation(reference, S);
}

/** The paper's linear-regime theory (raw fitness, f linear in θ): ρ(g_ES, g) = sqrt(n / (n + P + 1)), against the reference. */
export function linearTheoryCorrelation(offspring: number, reference: number, P: number): number {
  const c = (n: number) => Math.sqrt(n / (n + P + 1));
  return c(offspring / 2) * c(reference / 2);
}

export interface PopulationRow {
  readonly offspring: number;
  /**
   * ρ of each repeat (its own offspring stream), and their mean and standard deviation. An estimate
   * that is exactly 0 (every pair tied, e.g. all at cartpole's maximal return) has no direction: ρ 0.
   */
  readonly corrs: number[];
  /** Repeats whose estimate was exactly 0. */
  readonly zeroEstimates: number;
  readonly mean: number;
  readonly std: number;
  /** From the reference's signal-to-noise ratio per pair (predictedCorrelation). */
  readonly predicted: number;
  /** The same prediction against the true gradient (an infinite reference): predictedTrueCorrelation. */
  readonly predictedTrue: number;
  /** The paper's linear-regime formula (linearTheoryCorrelation). */
  readonly linear: number;
}

export interface RolloutPopulationOptions {
  /** The strategy at θ: its config (seed, σ, fitness shaping, mirrored, noise table) and thetaP. */
  readonly state: EsState;
  /** Rewards (mean episode returns) of tasks at θ, in task order. */
  readonly evaluate: (tasks: readonly EsTask[]) => Promise<Float64Array>;
  readonly aggregator: Aggregator;
  /** Offspring of the reference estimate (even). */
  readonly reference: number;
  /** Offspring counts N of the estimates (even, ascending). */
  readonly sizes: readonly number[];
  /** Independent streams; each gives one estimate per N from its first N offspring (nested). */
  readonly repeats: number;
  readonly onReference?: (info: { signalToNoise: number }) => void;
  readonly onRepeat?: (r: number, corrs: number[]) => void;
}

/**
 * Evaluates the reference stream and `repeats` streams of max(sizes) offspring, each at θ with its own
 * noise and episodes, and correlates each stream's N-prefix estimate with the reference estimate.
 */
export async function rolloutPopulation(
  o: RolloutPopulationOptions,
): Promise<{ rows: PopulationRow[]; signalToNoise: number; referenceP: Vec }> {
  const { state, aggregator } = o;
  const P = state.thetaP.length;
  const refTasks = streamTasks(state, REFERENCE_GENERATION, o.reference);
  const refRewards = await o.evaluate(refTasks);
  const referenceP = estimateOf(state, refTasks, refRewards, o.reference, aggregator);
  const signalToNoise = state.config.mirrored
    ? pairSignalToNoise(state, refTasks, refRewards, aggregator.table)
    : Number.NaN;
  o.onReference?.({ signalToNoise });
  const maxN = Math.max(...o.sizes);
  const corrsSR = o.sizes.map((): number[] => []);
  const zerosS = new Int32Array(o.sizes.length);
  for (let r = 0; r < o.repeats; r++) {
    const tasks = streamTasks(state, repeatGeneration(r), maxN);
    const rewards = await o.evaluate(tasks);
    const corrs = o.sizes.map((n, s) => {
      const estimateP = estimateOf(state, tasks, rewards, n, aggregator);
      if (estimateP.every((v) => v === 0)) {
        zerosS[s]!++;
        return 0;
      }
      return pearson(estimateP, referenceP);
    });
    for (const [s, c] of corrs.entries()) corrsSR[s]!.push(c);
    o.onRepeat?.(r, corrs);
  }
  const rows = o.sizes.map((offspring, s): PopulationRow => {
    const corrs = corrsSR[s]!;
    const mean = corrs.reduce((a, b) => a + b, 0) / corrs.length;
    const variance = corrs.reduce((a, c) => a + (c - mean) ** 2, 0) / Math.max(corrs.length - 1, 1);
    return {
      offspring,
      corrs,
      zeroEstimates: zerosS[s]!,
      mean,
      std: Math.sqrt(variance),
      predicted: predictedCorrelation(offspring, o.reference, signalToNoise),
      predictedTrue: predictedTrueCorrelation(offspring, signalToNoise),
      linear: linearTheoryCorrelation(offspring, o.reference, P),
    };
  });
  return { rows, signalToNoise, referenceP };
}

// The correlation-vs-population search of the paper (section 4): at a fixed θ and mini-batch, keep
// evaluating mirrored offspring in chunks, re-estimate the ES gradient after each chunk, and track
// ρ(g_ES, g_True) until it reaches a target or the offspring cap.
import type { Aggregator } from '../aggregate/index.ts';
import { gradientOf, type Model } from '../backend/model.ts';
import { batchIndices, gatherBatch } from '../data/index.ts';
import { sampleOffsets } from '../es/openai-es.ts';
import type { EsTask } from '../es/task.ts';
import type { Evaluator, TaskData } from '../evaluate/evaluator.ts';
import { hashSeed } from '../rng/prng.ts';
import type { Vec } from '../types.ts';
import { pearson } from './correlation.ts';

export interface SearchOptions {
  readonly net: Model;
  readonly evaluator: Evaluator;
  /** Aggregates over the run's noise table (its table is the one the evaluator perturbs with). */
  readonly aggregator: Aggregator;
  readonly data: TaskData;
  readonly thetaP: Vec;
  readonly sigma: number;
  /** Stop when ρ reaches this. */
  readonly target: number;
  /** Offspring (evaluations, mirrored pairs count 2) per chunk; even. */
  readonly chunk: number;
  /** Stop after this many offspring at the latest. */
  readonly cap: number;
  /** Mini-batch `generation` of the run's sequence is the fixed batch. */
  readonly generation?: number;
  readonly onChunk?: (point: SearchPoint) => void;
}

export interface SearchPoint {
  readonly offspring: number;
  readonly corr: number;
}

const SEARCH_STREAM = 0x5ea3c4;

/**
 * Runs the search. The estimate after n offspring is Σ (f+ − f−) ε over all pairs so far (its scale,
 * 1/(nσ), does not change a correlation). Returns every point and the offspring count at which ρ
 * reached the target (null if the cap came first).
 */
export async function populationSearch(
  o: SearchOptions,
): Promise<{ points: SearchPoint[]; reached: number | null }> {
  if (o.chunk < 2 || o.chunk % 2 !== 0)
    throw new RangeError(`chunk must be an even number >= 2, got ${o.chunk}`);
  const P = o.net.size;
  const generation = o.generation ?? 0;
  const batch = gatherBatch(
    o.data.train,
    batchIndices(o.data.settings.seed, generation, o.data.settings.batch, o.data.train.count),
  );
  const { gradP: trueGradP } = await gradientOf(o.net, 'the population search')(o.thetaP, batch);
  const sumP = new Float64Array(P);
  const points: SearchPoint[] = [];
  for (let c = 0, offspring = 0; offspring < o.cap; c++) {
    const pairs = Math.min(o.chunk, o.cap - offspring) >> 1;
    if (pairs === 0) break;
    const offsets = sampleOffsets(
      hashSeed(o.data.settings.seed, SEARCH_STREAM),
      c,
      pairs,
      o.aggregator.table.length,
      P,
    );
    const tasks = offsets.flatMap((noiseOffset, k): EsTask[] =>
      [1, -1].map((sign) => ({
        id: 2 * k + (sign > 0 ? 0 : 1),
        generation,
        noiseOffset,
        sign: sign as 1 | -1,
        bucket: -1,
        dataSeed: -1,
      })),
    );
    const rewards = await o.evaluator.evaluate(o.thetaP, o.sigma, tasks);
    const weights = offsets.map((_, k) => rewards[2 * k + 1]! - rewards[2 * k]!); // −(f+ − f−): loss direction
    const chunkP = o.aggregator.sum(offsets, weights, P);
    for (let j = 0; j < P; j++) sumP[j]! += chunkP[j]!;
    offspring += 2 * pairs;
    const point = { offspring, corr: pearson(sumP, trueGradP) };
    points.push(point);
    o.onChunk?.(point);
    if (point.corr >= o.target) return { points, reached: offspring };
  }
  return { points, reached: null };
}

/** Sampling theory for mirrored ES in the linear regime: ρ = sqrt(n / (n + P + 1)) for n = N/2 pairs. */
export function expectedCorrelation(offspring: number, P: number): number {
  const n = offspring / 2;
  return Math.sqrt(n / (n + P + 1));
}

// Episodes of K policies stepped together on one VecEnv: returns, steps and (for chosen rows) the
// observation sums of the normalisation statistics, written as one flat float64 record per policy.
import { hashSeed } from '../rng/prng.ts';
import { actionWidth, type VecEnv } from './env.ts';
import { normalizeInto, type ObsFilter } from './obs-filter.ts';
import { type PolicySpec, policyForward } from './policy.ts';

/**
 * Floats per policy in a rollout record: [mean return, steps, observations counted, Σo (O), Σo² (O)].
 * The record is what a worker sends back for one task; its layout is the same on every evaluator.
 */
export const rolloutRecordSize = (observationSize: number): number => 3 + 2 * observationSize;

/** The seed of episode e of an offspring whose environment seed is `envSeed`. */
export const episodeSeed = (envSeed: number, episode: number): number => hashSeed(envSeed, episode);

export interface RolloutChunk {
  /** K policies' parameters (float32). */
  readonly policiesK: readonly Float32Array[];
  /** K environment seeds: policy k runs episodes episodeSeed(envSeedsK[k], 0..episodes-1). */
  readonly envSeedsK: ArrayLike<number>;
  /** 1 where policy k's observations are summed into its record (else its sums stay 0). */
  readonly collectK: ArrayLike<number>;
  readonly episodes: number;
}

/**
 * Runs the chunk on `vec` (count K; its step limit is the episode's) and writes K records of
 * rolloutRecordSize(O) floats into recordsKR. Every policy sees observations through `filter`.
 * The return of a policy is the mean over its episodes of the sum of rewards; steps are summed.
 */
export function rolloutInto(
  vec: VecEnv,
  policy: PolicySpec,
  filter: ObsFilter,
  chunk: RolloutChunk,
  recordsKR: Float64Array,
): void {
  const K = vec.count;
  if (chunk.policiesK.length !== K)
    throw new RangeError(`rollout: ${chunk.policiesK.length} policies for ${K} envs`);
  const O = vec.spec.observationSize;
  const A = actionWidth(vec.spec.actionSpace);
  const R = rolloutRecordSize(O);
  recordsKR.fill(0, 0, K * R);
  const actionsKA = new Float64Array(K * A);
  const normO = new Float64Array(O);
  const forward = policyForward(policy);
  const actionA = new Float64Array(A);
  const seedsK = new Float64Array(K);
  const activeK = new Uint8Array(K);
  for (let e = 0; e < chunk.episodes; e++) {
    for (let k = 0; k < K; k++) seedsK[k] = episodeSeed(chunk.envSeedsK[k]!, e);
    const obsKO = vec.reset(seedsK);
    for (;;) {
      for (let k = 0; k < K; k++) {
        activeK[k] = vec.doneK[k] ? 0 : 1;
        if (!activeK[k]) continue;
        const at = k * O;
        if (chunk.collectK[k]) {
          const r = k * R;
          recordsKR[r + 2]!++;
          for (let i = 0; i < O; i++) {
            const x = obsKO[at + i]!;
            recordsKR[r + 3 + i]! += x;
            recordsKR[r + 3 + O + i]! += x * x;
          }
        }
        normalizeInto(filter, obsKO, normO, at);
        forward(chunk.policiesK[k]!, normO, actionA);
        actionsKA.set(actionA, k * A);
      }
      const running = vec.step(actionsKA);
      for (let k = 0; k < K; k++) {
        if (!activeK[k]) continue;
        recordsKR[k * R]! += vec.rewardsK[k]!;
        recordsKR[k * R + 1]!++;
      }
      if (!running) break;
    }
  }
  for (let k = 0; k < K; k++) recordsKR[k * R]! /= chunk.episodes;
}

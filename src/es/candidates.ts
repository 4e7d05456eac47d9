// The candidates of a generation materialised: θ + sign·σ·ε in float32 (with limited perturbation only
// the bucket's window perturbed), computed by ONE function so every evaluator of an objective agrees bitwise.
import type { Vec } from '../types.ts';
import { type Buckets, windowLength } from './buckets.ts';
import type { EsState } from './openai-es.ts';
import { stateBuckets } from './openai-es.ts';
import type { EsTask } from './task.ts';

/**
 * Writes task's candidate into outP (length P) and returns it: θ outside the perturbed window, and
 * float32(θ_j + float32(c · ε_j)) inside it with c = float32(sign · σ) (float32 Mul then Add, as the
 * population graph perturbs). ε_j = noise[task.noiseOffset + j] for j < the window's length.
 */
export function candidateInto(
  outP: Vec,
  thetaP: Vec,
  noise: Float32Array,
  task: EsTask,
  sigma: number,
  buckets: Buckets | undefined,
): Vec {
  const P = thetaP.length;
  const length = windowLength(buckets, task.bucket, P);
  const start = task.bucket < 0 || buckets === undefined ? 0 : buckets.startsB[task.bucket]!;
  if (task.noiseOffset < 0 || task.noiseOffset + length > noise.length)
    throw new RangeError(`task ${task.id}: noise window ${task.noiseOffset}+${length} outside the table`);
  const c = Math.fround(task.sign * sigma);
  outP.set(thetaP);
  for (let j = 0; j < length; j++)
    outP[start + j] = thetaP[start + j]! + Math.fround(c * noise[task.noiseOffset + j]!);
  return outP;
}

/** The candidates of `tasks` (of ask(state)) over the run's noise table, one fresh P-vector each. */
export function candidates(state: EsState, tasks: readonly EsTask[], noiseTable: Float32Array): Vec[] {
  const P = state.thetaP.length;
  const buckets = stateBuckets(state.config, P);
  return tasks.map((t) =>
    candidateInto(new Float32Array(P), state.thetaP, noiseTable, t, state.config.sigma, buckets),
  );
}

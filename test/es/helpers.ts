// Test helpers for the ES tests: evaluate tasks on a float64 reward function, exactly as a worker
// would perturb theta (theta + sigma * sign * table[o, o + P)), but in float64; one Aggregator per table.

import { Aggregator } from '../../src/aggregate/index.ts';
import type { EsState } from '../../src/es/openai-es.ts';
import type { EsTask } from '../../src/es/task.ts';

export function evaluateTasks(
  state: EsState,
  tasks: readonly EsTask[],
  table: Float32Array,
  reward: (xP: Float64Array) => number,
): Float64Array {
  const P = state.thetaP.length,
    sigma = state.config.sigma;
  const xP = new Float64Array(P);
  return Float64Array.from(tasks, (t) => {
    for (let j = 0; j < P; j++) xP[j] = state.thetaP[j]! + sigma * t.sign * table[t.noiseOffset + j]!;
    return reward(xP);
  });
}

/** reward(x) = -0.5 |A x - b|^2 with A row-major M x P; also its gradient (of the reward). */
export function quadratic(aMxP: Float64Array, bM: Float64Array, P: number) {
  const M = bM.length;
  const residual = (xP: ArrayLike<number>) =>
    Float64Array.from({ length: M }, (_, i) => {
      let s = -bM[i]!;
      for (let j = 0; j < P; j++) s += aMxP[i * P + j]! * xP[j]!;
      return s;
    });
  return {
    reward(xP: ArrayLike<number>): number {
      let s = 0;
      for (const r of residual(xP)) s += r * r;
      return -0.5 * s;
    },
    rewardGrad(xP: ArrayLike<number>): Float64Array {
      const rM = residual(xP);
      const gP = new Float64Array(P);
      for (let i = 0; i < M; i++) for (let j = 0; j < P; j++) gP[j] = gP[j]! - aMxP[i * P + j]! * rM[i]!;
      return gP;
    },
  };
}

const aggregators = new WeakMap<Float32Array, Aggregator>();

/** A single-threaded Aggregator over `table` (one per table, so its spectrum is built once). */
export function aggregatorFor(table: Float32Array): Aggregator {
  let a = aggregators.get(table);
  if (!a) {
    a = new Aggregator(table, { threads: 1 });
    aggregators.set(table, a);
  }
  return a;
}

// MountainCarContinuous-v0 (Moore 1990) with Gymnasium's constants and semantics: force in [-1, 1] times
// power 0.0015 against gravity 0.0025·cos(3x), +100 on reaching x ≥ 0.45, −0.1·a² per step, 999 steps.
import type { ClassicDynamics } from './classic-env.ts';
import { uniform } from './classic-env.ts';

export const MOUNTAIN_CAR = {
  minPosition: -1.2,
  maxPosition: 0.6,
  maxSpeed: 0.07,
  goalPosition: 0.45,
  goalVelocity: 0,
  power: 0.0015,
} as const;

/**
 * State (= observation) [x, v]. v += clip(a, −1, 1)·power − 0.0025·cos(3x), clipped to ±0.07; x += v,
 * clipped to [−1.2, 0.6]; at the left wall a leftward v becomes 0. The action penalty uses the action as
 * given (not clipped), as Gymnasium does. Initial x uniform in [−0.6, −0.4), v = 0.
 */
export const mountainCarContinuous: ClassicDynamics = {
  name: 'mountain-car-continuous',
  stateSize: 2,
  observationSize: 2,
  actionSpace: { kind: 'continuous', lowA: Float64Array.of(-1), highA: Float64Array.of(1) },
  maxEpisodeSteps: 999,
  initialState(rng, stateS) {
    stateS[0] = uniform(rng, -0.6, -0.4);
    stateS[1] = 0;
  },
  observe(stateS, observationO) {
    observationO.set(stateS);
  },
  step(stateS, action) {
    const { minPosition, maxPosition, maxSpeed, power } = MOUNTAIN_CAR;
    const a = action[0]!;
    const force = Math.min(Math.max(a, -1), 1);
    let x = stateS[0]!,
      v = stateS[1]!;
    v += force * power - 0.0025 * Math.cos(3 * x);
    v = Math.min(Math.max(v, -maxSpeed), maxSpeed);
    x += v;
    x = Math.min(Math.max(x, minPosition), maxPosition);
    if (x === minPosition && v < 0) v = 0;
    stateS[0] = x;
    stateS[1] = v;
    return (this.isTerminal(stateS) ? 100 : 0) - 0.1 * a * a;
  },
  isTerminal(stateS) {
    return stateS[0]! >= MOUNTAIN_CAR.goalPosition && stateS[1]! >= MOUNTAIN_CAR.goalVelocity;
  },
};

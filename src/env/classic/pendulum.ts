// Pendulum-v1 with Gymnasium's constants and semantics: swing a rigid rod (m = l = 1, g = 10) up with a
// torque in [-2, 2], semi-implicit Euler at dt 0.05, speed clipped to ±8, reward −(θ² + 0.1θ̇² + 0.001u²).
import type { ClassicDynamics } from './classic-env.ts';
import { uniform } from './classic-env.ts';

export const PENDULUM = { maxSpeed: 8, maxTorque: 2, dt: 0.05, g: 10, m: 1, l: 1 } as const;

/** x mapped into [-π, π) (θ = 0 is upright). */
export function angleNormalize(x: number): number {
  const twoPi = 2 * Math.PI;
  const r = (x + Math.PI) % twoPi;
  return (r < 0 ? r + twoPi : r) - Math.PI;
}

/**
 * State [θ, θ̇] (θ = 0 upright, not wrapped); observation [cos θ, sin θ, θ̇]. Rod about one end:
 * θ̈ = 3g/(2l)·sin θ + 3/(ml²)·u; θ̇ is updated first and clipped, then θ moves with the new θ̇.
 * The cost uses the state before the step and the clipped torque. Never terminates; 200 steps.
 */
export const pendulum: ClassicDynamics = {
  name: 'pendulum',
  stateSize: 2,
  observationSize: 3,
  actionSpace: { kind: 'continuous', lowA: Float64Array.of(-2), highA: Float64Array.of(2) },
  maxEpisodeSteps: 200,
  initialState(rng, stateS) {
    stateS[0] = uniform(rng, -Math.PI, Math.PI);
    stateS[1] = uniform(rng, -1, 1);
  },
  observe(stateS, observationO) {
    observationO[0] = Math.cos(stateS[0]!);
    observationO[1] = Math.sin(stateS[0]!);
    observationO[2] = stateS[1]!;
  },
  step(stateS, action) {
    const { maxSpeed, maxTorque, dt, g, m, l } = PENDULUM;
    const theta = stateS[0]!,
      thetaDot = stateS[1]!;
    const u = Math.min(Math.max(action[0]!, -maxTorque), maxTorque);
    const thn = angleNormalize(theta);
    const cost = thn * thn + 0.1 * thetaDot * thetaDot + 0.001 * u * u;
    let newThetaDot = thetaDot + (((3 * g) / (2 * l)) * Math.sin(theta) + (3 / (m * l * l)) * u) * dt;
    newThetaDot = Math.min(Math.max(newThetaDot, -maxSpeed), maxSpeed);
    stateS[0] = theta + newThetaDot * dt;
    stateS[1] = newThetaDot;
    return -cost;
  },
  isTerminal() {
    return false;
  },
};

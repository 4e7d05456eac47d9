// Acrobot-v1 (Sutton 1996; Sutton & Barto's book dynamics) with Gymnasium's constants and semantics: torque
// −1/0/+1 on the elbow, one RK4 step of 0.2 s, −1 per step until the tip is 1 above the pivot, 500 steps.
import type { ClassicDynamics } from './classic-env.ts';
import { uniform } from './classic-env.ts';

export const ACROBOT = {
  dt: 0.2,
  linkLength1: 1,
  linkMass1: 1,
  linkMass2: 1,
  linkComPos1: 0.5,
  linkComPos2: 0.5,
  linkMoi: 1,
  maxVel1: 4 * Math.PI,
  maxVel2: 9 * Math.PI,
  gravity: 9.8,
  torques: [-1, 0, 1],
} as const;

/**
 * d/dt [θ1, θ2, θ̇1, θ̇2] under elbow torque a (the "book" equations of Sutton & Barto 1998, §11.3, as
 * Gymnasium's default book_or_nips = "book"), written into dO.
 */
export function acrobotDerivative(s: ArrayLike<number>, a: number, dO: Float64Array): void {
  const { linkLength1: l1, linkMass1: m1, linkMass2: m2, linkComPos1: lc1, linkComPos2: lc2 } = ACROBOT;
  const I1 = ACROBOT.linkMoi,
    I2 = ACROBOT.linkMoi,
    g = ACROBOT.gravity;
  const theta1 = s[0]!,
    theta2 = s[1]!,
    dtheta1 = s[2]!,
    dtheta2 = s[3]!;
  const d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 * lc2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2);
  const phi1 =
    -m2 * l1 * lc2 * dtheta2 * dtheta2 * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * Math.sin(theta2) - phi2) /
    (m2 * lc2 * lc2 + I2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  dO[0] = dtheta1;
  dO[1] = dtheta2;
  dO[2] = ddtheta1;
  dO[3] = ddtheta2;
}

/** x wrapped into [lo, hi] by whole periods (hi − lo), as Gymnasium's wrap (loops, not modulo). */
export function wrap(x: number, lo: number, hi: number): number {
  const diff = hi - lo;
  while (x > hi) x -= diff;
  while (x < lo) x += diff;
  return x;
}

const k1 = new Float64Array(4),
  k2 = new Float64Array(4),
  k3 = new Float64Array(4),
  k4 = new Float64Array(4),
  y = new Float64Array(4);

/** One classic fourth-order Runge-Kutta step of length h (the torque held constant), in place. */
function rk4Step(s: Float64Array, a: number, h: number): void {
  acrobotDerivative(s, a, k1);
  for (let i = 0; i < 4; i++) y[i] = s[i]! + (h / 2) * k1[i]!;
  acrobotDerivative(y, a, k2);
  for (let i = 0; i < 4; i++) y[i] = s[i]! + (h / 2) * k2[i]!;
  acrobotDerivative(y, a, k3);
  for (let i = 0; i < 4; i++) y[i] = s[i]! + h * k3[i]!;
  acrobotDerivative(y, a, k4);
  for (let i = 0; i < 4; i++) s[i] = s[i]! + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
}

/**
 * State [θ1, θ2, θ̇1, θ̇2] (θ1 = 0 hanging down); observation [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2].
 * After the RK4 step the angles are wrapped into [−π, π] and the velocities clipped to ±4π and ±9π.
 * Terminal when −cos θ1 − cos(θ1 + θ2) > 1; reward −1 per step, 0 on the terminating step.
 */
export const acrobot: ClassicDynamics = {
  name: 'acrobot',
  stateSize: 4,
  observationSize: 6,
  actionSpace: { kind: 'discrete', n: 3 },
  maxEpisodeSteps: 500,
  initialState(rng, stateS) {
    for (let i = 0; i < 4; i++) stateS[i] = uniform(rng, -0.1, 0.1);
  },
  observe(stateS, observationO) {
    observationO[0] = Math.cos(stateS[0]!);
    observationO[1] = Math.sin(stateS[0]!);
    observationO[2] = Math.cos(stateS[1]!);
    observationO[3] = Math.sin(stateS[1]!);
    observationO[4] = stateS[2]!;
    observationO[5] = stateS[3]!;
  },
  step(stateS, action) {
    const torque = ACROBOT.torques[action[0]!]!;
    rk4Step(stateS, torque, ACROBOT.dt);
    stateS[0] = wrap(stateS[0]!, -Math.PI, Math.PI);
    stateS[1] = wrap(stateS[1]!, -Math.PI, Math.PI);
    stateS[2] = Math.min(Math.max(stateS[2]!, -ACROBOT.maxVel1), ACROBOT.maxVel1);
    stateS[3] = Math.min(Math.max(stateS[3]!, -ACROBOT.maxVel2), ACROBOT.maxVel2);
    return this.isTerminal(stateS) ? 0 : -1;
  },
  isTerminal(stateS) {
    return -Math.cos(stateS[0]!) - Math.cos(stateS[1]! + stateS[0]!) > 1;
  },
};

// CartPole-v1 (Barto, Sutton & Anderson 1983) with Gymnasium's constants and semantics: Euler steps of
// 0.02 s, force ±10 N, +1 per step including the failing one, termination at |x| > 2.4 or |θ| > 12°, 500 steps.
import type { ClassicDynamics } from './classic-env.ts';
import { uniform } from './classic-env.ts';

export const CARTPOLE = {
  gravity: 9.8,
  massCart: 1.0,
  massPole: 0.1,
  /** Half the pole's length. */
  halfLength: 0.5,
  forceMag: 10.0,
  tau: 0.02,
  thetaThreshold: (12 * 2 * Math.PI) / 360,
  xThreshold: 2.4,
} as const;

/**
 * State (= observation) [x, ẋ, θ, θ̇]. Equations of motion (Florian 2007, "Correct equations for the
 * dynamics of the cart-pole system", frictionless), integrated by explicit Euler (position first, with
 * the old velocity), as Gymnasium's default "euler" kinematics.
 */
export const cartpole: ClassicDynamics = {
  name: 'cartpole',
  stateSize: 4,
  observationSize: 4,
  actionSpace: { kind: 'discrete', n: 2 },
  maxEpisodeSteps: 500,
  initialState(rng, stateS) {
    for (let i = 0; i < 4; i++) stateS[i] = uniform(rng, -0.05, 0.05);
  },
  observe(stateS, observationO) {
    observationO.set(stateS);
  },
  step(stateS, action) {
    const { gravity, massCart, massPole, halfLength, forceMag, tau } = CARTPOLE;
    const x = stateS[0]!,
      xDot = stateS[1]!,
      theta = stateS[2]!,
      thetaDot = stateS[3]!;
    const force = action[0] === 1 ? forceMag : -forceMag;
    const totalMass = massCart + massPole;
    const poleMassLength = massPole * halfLength;
    const cos = Math.cos(theta),
      sin = Math.sin(theta);
    const temp = (force + poleMassLength * thetaDot * thetaDot * sin) / totalMass;
    const thetaAcc =
      (gravity * sin - cos * temp) / (halfLength * (4 / 3 - (massPole * cos * cos) / totalMass));
    const xAcc = temp - (poleMassLength * thetaAcc * cos) / totalMass;
    stateS[0] = x + tau * xDot;
    stateS[1] = xDot + tau * xAcc;
    stateS[2] = theta + tau * thetaDot;
    stateS[3] = thetaDot + tau * thetaAcc;
    return 1;
  },
  isTerminal(stateS) {
    const x = stateS[0]!,
      theta = stateS[2]!;
    return (
      x < -CARTPOLE.xThreshold ||
      x > CARTPOLE.xThreshold ||
      theta < -CARTPOLE.thetaThreshold ||
      theta > CARTPOLE.thetaThreshold
    );
  },
};

// Plain stochastic gradient descent: updates = -lr * grad (the paper's eq. 2 when grad is the
// gradient of the loss, i.e. minus the ES estimate of the reward gradient).

import type { Vec } from '../types.ts';
import type { GradientTransformation } from './transform.ts';

/** SGD keeps no state but a step counter (so checkpoints of any optimizer look alike). */
export interface SgdState {
  readonly count: number;
}

export function sgd(lr: number): GradientTransformation<SgdState> {
  return {
    init: () => ({ count: 0 }),
    update(gradP: Vec, state: SgdState) {
      const updatesP = new Float32Array(gradP.length);
      for (let i = 0; i < gradP.length; i++) updatesP[i] = -lr * gradP[i]!;
      return { updatesP, state: { count: state.count + 1 } };
    },
  };
}

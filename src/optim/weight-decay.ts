// L2 regularisation as a gradient transformation: adds l2 * params to the loss gradient, which is
// the gradient of the penalty 0.5 * l2 * |theta|^2 (TF: l2 * tf.nn.l2_loss(theta)).

import type { Vec } from '../types.ts';
import type { GradientTransformation } from './transform.ts';

/** Weight decay keeps no state. */
export type WeightDecayState = Readonly<Record<string, never>>;

/**
 * grad' = grad + l2 * params: the exact gradient of loss + 0.5 * l2 * sum(theta^2), i.e. TensorFlow's
 * `loss + l2 * tf.nn.l2_loss(theta)` (tf.nn.l2_loss = sum(theta^2) / 2). The paper's "L2
 * regularization with a coefficient of 0.0002" (sec. 4.3) is l2 = 0.0002. Put it before the
 * optimizer in chain() so Adam sees the regularised gradient (L2, not decoupled AdamW decay).
 * In ES the penalty is added here analytically rather than to each offspring's reward: same
 * expectation, no extra variance. l2 = 0 returns the gradient unchanged (a copy).
 * In float32 arithmetic, as TF adds the penalty's gradient: f32(g + f32(f32(l2) * θ)).
 */
export function addWeightDecay(l2: number): GradientTransformation<WeightDecayState> {
  return {
    init: () => ({}),
    update(gradP: Vec, state: WeightDecayState, paramsP: Vec) {
      if (paramsP.length !== gradP.length) {
        throw new RangeError(`addWeightDecay: ${paramsP.length} params but a gradient of ${gradP.length}`);
      }
      const f = Math.fround,
        l2f = f(l2);
      const updatesP = new Float32Array(gradP.length);
      for (let i = 0; i < gradP.length; i++) updatesP[i] = f(gradP[i]!) + f(l2f * paramsP[i]!);
      return { updatesP, state };
    },
  };
}

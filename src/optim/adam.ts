// Adam exactly as TensorFlow 1.x's tf.train.AdamOptimizer computes it (the paper used TensorFlow):
// bias correction folded into the step size, epsilon added to sqrt(v) without correction.

import type { Vec } from '../types.ts';
import type { GradientTransformation } from './transform.ts';

export interface AdamOptions {
  /** Decay of the first-moment average (TF beta1). */
  readonly b1?: number;
  /** Decay of the second-moment average (TF beta2). */
  readonly b2?: number;
  /** Added to sqrt(v) ("epsilon hat" of Kingma & Ba, sec. 2). */
  readonly eps?: number;
}

/** count = steps taken; muP, nuP = first and second moment averages (float32, as TF keeps them). */
export interface AdamState {
  readonly count: number;
  readonly muP: Float32Array;
  readonly nuP: Float32Array;
}

/**
 * TF AdamOptimizer (tensorflow/core/kernels/training_ops.cc, ApplyAdam), with t = count + 1:
 *   m_t  = b1 * m + (1 - b1) * g
 *   v_t  = b2 * v + (1 - b2) * g^2
 *   lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t)
 *   update = -lr_t * m_t / (sqrt(v_t) + eps)
 * (TF writes m += (g - m) * (1 - b1), algebraically the same.) This differs from optax.adam, which
 * divides m_hat by sqrt(v_hat) + eps, only in where eps enters. Arithmetic per element is float64;
 * m, v and the update are stored as float32 (close to TF's float32 kernel, not bit-identical).
 */
export function adam(
  lr: number,
  { b1 = 0.9, b2 = 0.999, eps = 1e-8 }: AdamOptions = {},
): GradientTransformation<AdamState> {
  return {
    init(paramsP: Vec): AdamState {
      return { count: 0, muP: new Float32Array(paramsP.length), nuP: new Float32Array(paramsP.length) };
    },
    update(gradP: Vec, state: AdamState) {
      const n = gradP.length;
      if (state.muP.length !== n) {
        throw new RangeError(`adam: state holds ${state.muP.length} moments for a gradient of ${n}`);
      }
      const t = state.count + 1;
      const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      const muP = new Float32Array(n),
        nuP = new Float32Array(n),
        updatesP = new Float32Array(n);
      const { muP: mOld, nuP: vOld } = state;
      for (let i = 0; i < n; i++) {
        const g = gradP[i]!;
        const m = b1 * mOld[i]! + (1 - b1) * g;
        const v = b2 * vOld[i]! + (1 - b2) * g * g;
        muP[i] = m;
        nuP[i] = v;
        updatesP[i] = (-lrT * m) / (Math.sqrt(v) + eps);
      }
      return { updatesP, state: { count: t, muP, nuP } };
    },
  };
}

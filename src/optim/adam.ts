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
 * TF AdamOptimizer's CPU kernel (tensorflow/core/kernels/training_ops.cc, ApplyAdam), with t = count + 1,
 * every operation in float32 as the kernel does it (c1 = 1 - b1, c2 = 1 - b2, eps as float32):
 *   m_t  = m + (g - m) c1
 *   v_t  = v + (g g - v) c2
 *   a_t  = lr sqrt(1 - b2^t) / (1 - b1^t)          (computed in float64, rounded once to float32)
 *   update = -(m_t a_t) / (sqrt(v_t) + eps)
 * This differs from optax.adam, which divides m_hat by sqrt(v_hat) + eps, only in where eps enters.
 * (Until issue 14 the arithmetic was float64 with float32 storage: the same equations, other roundings.)
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
      const f = Math.fround;
      const t = state.count + 1;
      const { c1, c2, alpha, epsF } = adamConstants(lr, b1, b2, eps, t);
      const muP = new Float32Array(n),
        nuP = new Float32Array(n),
        updatesP = new Float32Array(n);
      const { muP: mOld, nuP: vOld } = state;
      for (let i = 0; i < n; i++) {
        const g = f(gradP[i]!);
        const m = f(mOld[i]! + f(f(g - mOld[i]!) * c1));
        const v = f(vOld[i]! + f(f(f(g * g) - vOld[i]!) * c2));
        muP[i] = m;
        nuP[i] = v;
        updatesP[i] = -f(f(m * alpha) / f(f(Math.sqrt(v)) + epsF));
      }
      return { updatesP, state: { count: t, muP, nuP } };
    },
  };
}

/** The float32 constants of one Adam step: c1 = 1 - b1, c2 = 1 - b2, the step size a_t, eps. */
export interface AdamStepConstants {
  readonly c1: number;
  readonly c2: number;
  readonly alpha: number;
  readonly epsF: number;
}

/** The constants of step t. */
export function adamConstants(lr: number, b1: number, b2: number, eps: number, t: number): AdamStepConstants {
  const f = Math.fround;
  return {
    c1: f(1 - b1),
    c2: f(1 - b2),
    alpha: f((lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t)),
    epsF: f(eps),
  };
}

// One optimizer step (L2 weight decay, then Adam or SGD, then applyUpdates) as a single loop over
// float32 buffers, bit-identical to chain(addWeightDecay(l2), adam | sgd).update + applyUpdates.

import type { Vec } from '../types.ts';
import { type AdamState, type AdamStepConstants, adamConstants } from './adam.ts';
import type { SgdState } from './sgd.ts';
import type { GradientTransformation } from './transform.ts';
import { wasmAdam } from './wasm-adam.ts';

/** The optimizer a fused step runs: its hyperparameters and whether weight decay precedes it. */
export type FusedRule =
  | {
      readonly name: 'adam';
      readonly lr: number;
      readonly b1: number;
      readonly b2: number;
      readonly eps: number;
    }
  | { readonly name: 'sgd'; readonly lr: number };

/** Where a fused step writes: θ' into thetaP, Adam's m and v into muP, nuP (any may alias the inputs). */
export interface StepOutputs {
  readonly thetaP: Float32Array;
  readonly muP?: Float32Array;
  readonly nuP?: Float32Array;
}

/**
 * Writes θ' and the moments into `out`, returns the new state (count + 1, out's moment buffers).
 * Per element, in float32 arithmetic exactly as the chained path (weight-decay.ts, adam.ts, sgd.ts):
 *   w = f32(g) + f32(f32(l2) θ)             (addWeightDecay; decay = null: w = f32(g) for Adam)
 *   Adam: m = m + (w - m) c1, v = v + (w w - v) c2, u = -(m a_t) / (sqrt(v) + eps)   (adam.ts)
 *   SGD:  u = f32(-lr w)
 *   θ' = f32(θ + u)                          (applyUpdates)
 */
export function fusedStep(
  rule: FusedRule,
  l2: number | null,
  gradP: Vec,
  state: AdamState | SgdState,
  thetaP: Vec,
  out: StepOutputs,
): AdamState | SgdState {
  const n = gradP.length;
  if (thetaP.length !== n || out.thetaP.length !== n) {
    throw new RangeError(
      `fusedStep: ${thetaP.length} params, ${out.thetaP.length} outputs, gradient of ${n}`,
    );
  }
  const decay = l2 !== null;
  const l2v = l2 ?? 0;
  if (rule.name === 'sgd') {
    sgdLoop(gradP, thetaP, out.thetaP, decay, l2v, rule.lr);
    return { count: state.count + 1 };
  }
  const { muP, nuP } = state as AdamState;
  if (muP.length !== n)
    throw new RangeError(`adam: state holds ${muP.length} moments for a gradient of ${n}`);
  const muOut = out.muP ?? muP,
    nuOut = out.nuP ?? nuP;
  if (muOut.length !== n || nuOut.length !== n)
    throw new RangeError(`fusedStep: moment outputs of wrong length`);
  const t = state.count + 1;
  const { lr, b1, b2, eps } = rule;
  const k = adamConstants(lr, b1, b2, eps, t);
  adamLoop(gradP, thetaP, out.thetaP, muP, muOut, nuP, nuOut, decay ? Math.fround(l2v) : null, k);
  return { count: t, muP: muOut, nuP: nuOut };
}

function sgdLoop(g: Vec, th: Vec, thOut: Float32Array, decay: boolean, l2: number, lr: number): void {
  const f = Math.fround;
  const n = g.length;
  if (decay) {
    const l2f = f(l2);
    for (let i = 0; i < n; i++) {
      const p = th[i]!;
      thOut[i] = p + f(-lr * f(f(g[i]!) + f(l2f * p)));
    }
  } else {
    for (let i = 0; i < n; i++) thOut[i] = th[i]! + f(-lr * g[i]!);
  }
}

// The WebAssembly kernel does all but the last n % 4 elements when it can (the same float32
// operations, 4 lanes at a time); this loop does the rest, or everything without WebAssembly SIMD.
function adamLoop(
  g: Vec,
  th: Vec,
  thOut: Float32Array,
  mIn: Float32Array,
  mOut: Float32Array,
  vIn: Float32Array,
  vOut: Float32Array,
  l2: number | null,
  k: AdamStepConstants,
): void {
  const f = Math.fround;
  const { c1, c2, alpha, epsF } = k;
  const n = g.length;
  const done =
    g instanceof Float32Array && th instanceof Float32Array
      ? wasmAdam(g, th, thOut, mIn, mOut, vIn, vOut, l2, k)
      : 0;
  const l2f = l2 ?? 0,
    decay = l2 !== null;
  for (let i = done; i < n; i++) {
    const p = th[i]!;
    const w = decay ? f(f(g[i]!) + f(l2f * p)) : f(g[i]!);
    const m0 = mIn[i]!,
      v0 = vIn[i]!;
    const m = f(m0 + f(f(w - m0) * c1));
    const v = f(v0 + f(f(f(w * w) - v0) * c2));
    mOut[i] = m;
    vOut[i] = v;
    thOut[i] = p - f(f(m * alpha) / f(f(Math.sqrt(v)) + epsF));
  }
}

/** Which buffers a step may overwrite instead of allocating fresh ones. */
export interface StepReuse {
  /** Overwrite the state's moment buffers: the state passed in must not be used again. */
  readonly state?: boolean;
  /** Write θ' here (may be the θ passed in) instead of into a new array. */
  readonly thetaP?: Float32Array;
}

/** A GradientTransformation that can also take a whole step, update + applyUpdates, in one pass. */
export interface SteppingOptimizer<S> extends GradientTransformation<S> {
  /**
   * Returns applyUpdates(θ, update(g, state, θ).updatesP) and update's new state, bit for bit. Without
   * `reuse` nothing passed in is modified (fresh θ', m, v); with it, see StepReuse.
   */
  step(gradP: Vec, state: S, thetaP: Vec, reuse?: StepReuse): { thetaP: Float32Array; state: S };
}

/** Adds `step` to chain(addWeightDecay(l2), rule) (l2 = null: to the bare rule), whose state it shares. */
export function withFusedStep<S>(
  chained: GradientTransformation<S>,
  rule: FusedRule,
  l2: number | null,
): SteppingOptimizer<S> {
  return {
    init: (paramsP) => chained.init(paramsP),
    update: (gradP, state, paramsP) => chained.update(gradP, state, paramsP),
    step(gradP, state, thetaP, reuse = {}) {
      const inner = (l2 === null ? state : innerOfChain(state)) as AdamState | SgdState;
      const fresh = (): Float32Array => new Float32Array(gradP.length);
      const keep = reuse.state === true || rule.name === 'sgd';
      const out: StepOutputs = {
        thetaP: reuse.thetaP ?? fresh(),
        ...(keep ? {} : { muP: fresh(), nuP: fresh() }),
      };
      const next = fusedStep(rule, l2, gradP, inner, thetaP, out);
      const nextState = l2 === null ? next : [(state as unknown as readonly unknown[])[0], next];
      return { thetaP: out.thetaP, state: nextState as S };
    },
  };
}

/** The optimizer's state inside chain(addWeightDecay, optimizer)'s [decayState, optimizerState]. */
function innerOfChain(state: unknown): unknown {
  if (!Array.isArray(state) || state.length !== 2) {
    throw new RangeError('step: expected the state of chain(addWeightDecay, optimizer), a pair');
  }
  return state[1];
}

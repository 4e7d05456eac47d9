// One optimizer step (L2 weight decay, then Adam or SGD, then applyUpdates) as a single loop over
// float32 buffers, bit-identical to chain(addWeightDecay(l2), adam | sgd).update + applyUpdates.

import type { Vec } from '../types.ts';
import type { AdamState } from './adam.ts';
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
 * Per element it rounds to float32 exactly where the chained path stores to a Float32Array:
 *   w = f32(g + l2 θ)                       (addWeightDecay; decay = null: w = g, no decay in the chain)
 *   Adam: m = f32(m64), v = f32(v64) with m64 = b1 m + (1 - b1) w, v64 = b2 v + (1 - b2) w w (float64),
 *         u = f32(-lr_t m64 / (sqrt(v64) + eps))   (from the unrounded m64, v64, as adam.ts does)
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
  const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
  adamLoop(gradP, thetaP, out.thetaP, muP, muOut, nuP, nuOut, decay, l2v, lrT, b1, b2, eps);
  return { count: t, muP: muOut, nuP: nuOut };
}

function sgdLoop(g: Vec, th: Vec, thOut: Float32Array, decay: boolean, l2: number, lr: number): void {
  const f = Math.fround;
  const n = g.length;
  if (decay) {
    for (let i = 0; i < n; i++) {
      const p = th[i]!;
      thOut[i] = p + f(-lr * f(g[i]! + l2 * p));
    }
  } else {
    for (let i = 0; i < n; i++) thOut[i] = th[i]! + f(-lr * g[i]!);
  }
}

// Two loops rather than one with a branch per element: the branch costs about a third of the time.
function adamLoop(
  g: Vec,
  th: Vec,
  thOut: Float32Array,
  mIn: Float32Array,
  mOut: Float32Array,
  vIn: Float32Array,
  vOut: Float32Array,
  decay: boolean,
  l2: number,
  lrT: number,
  b1: number,
  b2: number,
  eps: number,
): void {
  const f = Math.fround;
  const c1 = 1 - b1,
    c2 = 1 - b2,
    negLrT = -lrT;
  const n = g.length;
  // the WebAssembly kernel does all but the last n % 4 elements when it can (bit-identical, ~4x faster)
  const done =
    g instanceof Float32Array && th instanceof Float32Array
      ? wasmAdam(g, th, thOut, mIn, mOut, vIn, vOut, { b1, b2, negLrT, eps, l2: decay ? l2 : null })
      : 0;
  if (decay) {
    for (let i = done; i < n; i++) {
      const p = th[i]!;
      const w = f(g[i]! + l2 * p);
      const m = b1 * mIn[i]! + c1 * w;
      const v = b2 * vIn[i]! + c2 * w * w;
      mOut[i] = m;
      vOut[i] = v;
      thOut[i] = p + f((negLrT * m) / (Math.sqrt(v) + eps));
    }
  } else {
    for (let i = done; i < n; i++) {
      const w = g[i]!;
      const m = b1 * mIn[i]! + c1 * w;
      const v = b2 * vIn[i]! + c2 * w * w;
      mOut[i] = m;
      vOut[i] = v;
      thOut[i] = th[i]! + f((negLrT * m) / (Math.sqrt(v) + eps));
    }
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

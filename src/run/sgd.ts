// The SGD baseline as a Step for the training loop: backprop on mini-batch t of the seeded sequence
// (the same sequence ES follows), then the optimizer's update (Adam by default, optional L2).

import { pearson } from '../analysis/correlation.ts';
import type { GradResult } from '../backend/model.ts';
import { batchIndices, gatherBatch, type Split } from '../data/index.ts';
import {
  applyUpdates,
  type GradientTransformation,
  type PlainState,
  type SteppingOptimizer,
} from '../optim/index.ts';
import { hashSeed } from '../rng/prng.ts';
import type { Batch, Metrics, Vec } from '../types.ts';
import { type Step, withSnapshot } from './loop.ts';

export interface SgdRunState {
  readonly thetaP: Vec;
  readonly optState: PlainState;
}

/** Seed offset of the second, independent mini-batch sequence used for SGD-vs-SGD correlation. */
const OTHER_BATCH_STREAM = 0x5ec0;

/** Turns iteration t's backprop gradient into the one the optimizer follows (the ES proxy adds noise). */
export type GradientHook = (t: number, trueGradP: Vec) => { gradP: Vec; metrics: Metrics };

export interface SgdStepOptions {
  /**
   * Every `corrEvery` iterations (0: never) log `corr`, the Pearson correlation between this batch's
   * gradient and that of an independent random mini-batch at the same θ (the SGD-vs-SGD reference).
   */
  readonly corrEvery?: number;
  /** Every k iterations (0: never) log the same correlation as `sgdVsSgdCorr` (any algorithm). */
  readonly sgdVsSgdEvery?: number;
  readonly hook?: GradientHook;
}

/** A model's loss and gradient on a batch (Model.lossAndGrad, see gradientOf). */
export type LossAndGrad = (thetaP: Vec, batch: Batch) => Promise<GradResult>;

/** Mini-batch t of the run's seeded sequence (the batch SGD steps on and ES's g_True is taken on). */
export const runBatch = (train: Split, seed: number, t: number, batchSize: number): Batch =>
  gatherBatch(train, batchIndices(seed, t, batchSize, train.count));

/**
 * SGD vs SGD at θ (the paper's reference for ρ): the Pearson correlation between `gradP`, the gradient
 * on mini-batch t, and the gradient on mini-batch t of an independent sequence.
 */
export async function sgdVsSgd(
  lossAndGrad: LossAndGrad,
  train: Split,
  seed: number,
  t: number,
  batchSize: number,
  thetaP: Vec,
  gradP: Vec,
): Promise<number> {
  const other = runBatch(train, hashSeed(seed, OTHER_BATCH_STREAM), t, batchSize);
  return pearson(gradP, (await lossAndGrad(thetaP, other)).gradP);
}

/** Whether iteration t is one of every k-th (k = 0: never). */
export const every = (k: number | undefined, t: number): boolean => (k ?? 0) > 0 && t % k! === 0;

/**
 * One optimizer step. With a SteppingOptimizer: one fused pass that, once the step owns the previous
 * state's buffers (after the first step), writes θ, Adam's m and v over them (a fresh 13 MB θ per step
 * cost cnn-3m as much as Adam's arithmetic); otherwise update + applyUpdates. Same bits either way.
 */
function takeStep(
  opt: GradientTransformation<PlainState>,
  gradP: Vec,
  state: SgdRunState,
  ownsBuffers: boolean,
): SgdRunState {
  if ('step' in opt) {
    const inPlace = ownsBuffers && state.thetaP instanceof Float32Array;
    const r = (opt as SteppingOptimizer<PlainState>).step(gradP, state.optState, state.thetaP, {
      state: ownsBuffers,
      ...(inPlace ? { thetaP: state.thetaP as Float32Array } : {}),
    });
    return { thetaP: r.thetaP, optState: r.state };
  }
  const { updatesP, state: optState } = opt.update(gradP, state.optState, state.thetaP);
  return { thetaP: applyUpdates(state.thetaP, updatesP), optState };
}

/**
 * A Step closure over the run's state: each call advances it by one mini-batch. `snapshot()` returns
 * that state; its θ and optimizer moments are overwritten by the next step, so write it (as the
 * checkpoint does, synchronously) or copy it before then.
 */
export function sgdStep(
  lossAndGrad: LossAndGrad,
  train: Split,
  opt: GradientTransformation<PlainState>,
  seed: number,
  batchSize: number,
  initial: SgdRunState,
  opts: SgdStepOptions = {},
): Step {
  let state = initial;
  let ownsBuffers = false; // the first step must not overwrite the caller's (or a checkpoint's) arrays
  return withSnapshot(
    async (t: number) => {
      const batch = runBatch(train, seed, t, batchSize);
      const { loss, correct, gradP: trueGradP } = await lossAndGrad(state.thetaP, batch);
      let metrics: Metrics = { loss, trainAccuracy: correct / batch.count };
      if (every(opts.corrEvery, t) || every(opts.sgdVsSgdEvery, t)) {
        const corr = await sgdVsSgd(lossAndGrad, train, seed, t, batchSize, state.thetaP, trueGradP);
        if (every(opts.corrEvery, t)) metrics.corr = corr;
        if (every(opts.sgdVsSgdEvery, t)) metrics.sgdVsSgdCorr = corr;
      }
      let gradP = trueGradP;
      if (opts.hook) {
        const hooked = opts.hook(t, trueGradP);
        gradP = hooked.gradP;
        metrics = { ...metrics, ...hooked.metrics };
      }
      state = takeStep(opt, gradP, state, ownsBuffers);
      ownsBuffers = true;
      return { metrics, thetaP: state.thetaP };
    },
    () => state,
  );
}

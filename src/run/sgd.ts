// The SGD baseline as a Step for the training loop: backprop on mini-batch t of the seeded sequence
// (the same sequence ES follows), then the optimizer's update (Adam by default, optional L2).
import type { Network } from '../backend/network.ts';
import { batchIndices, gatherBatch, type Split } from '../data/index.ts';
import { applyUpdates, type GradientTransformation, type PlainState } from '../optim/index.ts';
import { pearson } from '../analysis/correlation.ts';
import { hashSeed } from '../rng/prng.ts';
import type { Metrics, Vec } from '../types.ts';
import { withSnapshot, type Step } from './loop.ts';

export interface SgdRunState {
  readonly thetaP: Vec;
  readonly optState: PlainState;
}

/** Seed offset of the second, independent mini-batch sequence used for SGD-vs-SGD correlation. */
const OTHER_BATCH_STREAM = 0x5ec0;

/**
 * A Step closure over the run's state: each call advances it by one mini-batch. Every `corrEvery`
 * iterations (0: never) it also logs `corr`, the Pearson correlation between this batch's gradient
 * and that of an independent random mini-batch at the same θ (the paper's SGD-vs-SGD reference).
 */
export function sgdStep(
  net: Network, train: Split, opt: GradientTransformation<PlainState>, seed: number, batchSize: number,
  corrEvery: number, initial: SgdRunState,
): Step {
  let state = initial;
  return withSnapshot(async (t: number) => {
    const batch = gatherBatch(train, batchIndices(seed, t, batchSize, train.count));
    const { loss, correct, gradP } = await net.lossAndGrad(state.thetaP, batch);
    const metrics: Metrics = { loss, trainAccuracy: correct / batch.count };
    if (corrEvery > 0 && t % corrEvery === 0) {
      const other = gatherBatch(train, batchIndices(hashSeed(seed, OTHER_BATCH_STREAM), t, batchSize, train.count));
      metrics.corr = pearson(gradP, (await net.lossAndGrad(state.thetaP, other)).gradP);
    }
    const { updatesP, state: optState } = opt.update(gradP, state.optState, state.thetaP);
    state = { thetaP: applyUpdates(state.thetaP, updatesP), optState };
    return { metrics, thetaP: state.thetaP };
  }, () => state);
}

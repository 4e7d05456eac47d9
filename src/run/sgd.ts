// The SGD baseline as a Step for the training loop: backprop on mini-batch t of the seeded sequence
// (the same sequence ES follows), then the optimizer's update (Adam by default, optional L2).
import type { Network } from '../backend/network.ts';
import { batchIndices, gatherBatch, type Split } from '../data/index.ts';
import { applyUpdates, type GradientTransformation, type PlainState } from '../optim/index.ts';
import type { Vec } from '../types.ts';
import type { Step } from './loop.ts';

export interface SgdRunState {
  readonly thetaP: Vec;
  readonly optState: PlainState;
}

/** A Step closure over the run's state: each call advances it by one mini-batch. */
export function sgdStep(net: Network, train: Split, opt: GradientTransformation<PlainState>, seed: number, batchSize: number, initial: SgdRunState): Step {
  let state = initial;
  return async (t) => {
    const batch = gatherBatch(train, batchIndices(seed, t, batchSize, train.count));
    const { loss, correct, gradP } = await net.lossAndGrad(state.thetaP, batch);
    const { updatesP, state: optState } = opt.update(gradP, state.optState, state.thetaP);
    state = { thetaP: applyUpdates(state.thetaP, updatesP), optState };
    return { metrics: { loss, trainAccuracy: correct / batch.count }, thetaP: state.thetaP };
  };
}

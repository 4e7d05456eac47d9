// The ES proxy as a Step: backprop on mini-batch t of the seeded sequence (the one ES and SGD follow),
// plus independent Gaussian noise scaled so the step's gradient correlates with the true one at ρ.
import type { Network } from '../backend/network.ts';
import { pearson } from '../analysis/correlation.ts';
import { proxyGradient } from '../analysis/proxy.ts';
import { batchIndices, gatherBatch, type Split } from '../data/index.ts';
import { applyUpdates, type GradientTransformation, type PlainState } from '../optim/index.ts';
import { createNoiseTable } from '../rng/noise-table.ts';
import { hashSeed } from '../rng/prng.ts';
import { withSnapshot, type Step } from './loop.ts';
import type { SgdRunState } from './sgd.ts';

/** Stream of the proxy's noise: g_Noise of iteration t is a function of (seed, t). */
const PROXY_NOISE_STREAM = 0x9e0c5;

export function proxyStep(
  net: Network, train: Split, opt: GradientTransformation<PlainState>, seed: number, batchSize: number,
  targetCorr: number, initial: SgdRunState,
): Step {
  let state = initial;
  return withSnapshot(async (t: number) => {
    const batch = gatherBatch(train, batchIndices(seed, t, batchSize, train.count));
    const { loss, correct, gradP: trueGradP } = await net.lossAndGrad(state.thetaP, batch);
    const noiseP = createNoiseTable(hashSeed(seed, PROXY_NOISE_STREAM, t), trueGradP.length);
    const { gradP, multiplier } = proxyGradient(trueGradP, noiseP, targetCorr);
    const { updatesP, state: optState } = opt.update(gradP, state.optState, state.thetaP);
    state = { thetaP: applyUpdates(state.thetaP, updatesP), optState };
    return {
      metrics: { loss, trainAccuracy: correct / batch.count, corr: pearson(gradP, trueGradP), multiplier },
      thetaP: state.thetaP,
    };
  }, () => state);
}

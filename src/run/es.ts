// The OpenAI-ES as a Step for the training loop: ask -> evaluate (any Evaluator) -> tell, and every
// k-th iteration the paper's ρ_t = Pearson(g_ES, g_True) with g_True by backprop at the same θ_t and batch.

import type { Aggregator } from '../aggregate/index.ts';
import { cosine, pearson } from '../analysis/correlation.ts';
import { ask, type EsState, tell } from '../es/index.ts';
import type { Evaluator, TaskData } from '../evaluate/evaluator.ts';
import type { Metrics, Vec } from '../types.ts';
import { l2Norm } from '../vector.ts';
import { type Step, withSnapshot } from './loop.ts';
import { every, type LossAndGrad, runBatch, sgdVsSgd } from './sgd.ts';

export interface EsStepOptions {
  /** g_True for ρ (required when corrEvery > 0). */
  readonly lossAndGrad?: LossAndGrad;
  readonly evaluator: Evaluator;
  /** Aggregates the gradient over the run's noise table. */
  readonly aggregator: Aggregator;
  readonly data: TaskData;
  /** Compute ρ_t every k iterations (0: never). Needs the shared mini-batch of the generation. */
  readonly corrEvery: number;
  /** Log SGD vs SGD at θ_t (sgdVsSgdCorr) every k iterations (0: never); needs lossAndGrad. */
  readonly sgdVsSgdEvery?: number;
  /** Hears the offspring evaluated so far in the current iteration (progress displays). */
  readonly onOffspring?: (done: number, total: number) => void;
}

/**
 * A Step closure over the ES state. Metric `loss` is the mean loss of the generation's offspring.
 * After its first step it owns θ and the optimizer moments and tell() writes over them, so a
 * `snapshot()` must be written (or copied) before the next step, as the SGD step's.
 */
export function esStep(o: EsStepOptions, initial: EsState): Step {
  let state = initial;
  let ownsBuffers = false; // the first step must not overwrite the caller's (or a checkpoint's) arrays
  return withSnapshot(
    async (t: number) => {
      const tasks = ask(state);
      const onProgress = o.onOffspring && ((done: number) => o.onOffspring!(done, tasks.length));
      const rewardsN = await o.evaluator.evaluate(state.thetaP, state.config.sigma, tasks, onProgress);
      const { seed, batch } = o.data.settings;
      const corr = every(o.corrEvery, t);
      const sgdVsSgdAt = every(o.sgdVsSgdEvery, t);
      // g_True and SGD vs SGD at θ_t, before tell() writes θ_{t+1} over it
      let trueGradP: Vec | undefined;
      let sgdVsSgdCorr: number | undefined;
      if (corr || sgdVsSgdAt) {
        const onBatch = runBatch(o.data.train, seed, t, batch);
        trueGradP = (await o.lossAndGrad!(state.thetaP, onBatch)).gradP;
        if (sgdVsSgdAt)
          sgdVsSgdCorr = await sgdVsSgd(
            o.lossAndGrad!,
            o.data.train,
            seed,
            t,
            batch,
            state.thetaP,
            trueGradP,
          );
      }
      const inPlace = ownsBuffers && state.thetaP instanceof Float32Array;
      const told = tell(state, tasks, rewardsN, o.aggregator, {
        state: ownsBuffers,
        ...(inPlace ? { thetaP: state.thetaP as Float32Array } : {}),
      });
      ownsBuffers = true;
      const { generation: _g, ...es } = told.metrics;
      const metrics: Metrics = { loss: -es.rewardMean, ...es };
      if (corr) {
        metrics.corr = pearson(told.gradP, trueGradP!);
        metrics.cosine = cosine(told.gradP, trueGradP!);
        metrics.trueGradNorm = l2Norm(trueGradP!);
      }
      if (sgdVsSgdCorr !== undefined) metrics.sgdVsSgdCorr = sgdVsSgdCorr;
      state = told.state;
      return { metrics, thetaP: state.thetaP };
    },
    () => ({ thetaP: state.thetaP, optState: state.optState, generation: state.generation }),
  );
}

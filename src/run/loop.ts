// The training loop every algorithm shares: step, periodic test-set evaluation, metrics to the
// reporters, and a summary. Algorithms supply only `step`; the loop owns time and bookkeeping.
import type { Metrics, Vec } from '../types.ts';
import type { Reporter } from './reporters.ts';

/** One update: returns the metrics of iteration `t` (0-based) and the parameters after it. */
export type Step = (t: number) => Promise<{ metrics: Metrics; thetaP: Vec }>;

export interface LoopOptions {
  readonly iters: number;
  readonly evalEvery: number;
  readonly step: Step;
  /** Loss and accuracy of θ on the full test set. */
  readonly evaluateTest: (thetaP: Vec) => Promise<{ loss: number; accuracy: number }>;
  readonly reporters: readonly Reporter[];
  /** Fields copied into the summary (algo, model, dataset label, seed, ...). */
  readonly describe: Metrics;
}

/** Mean of the numeric values of `key` over the records that have one (null if none). */
function meanOf(records: readonly Metrics[], key: string): number | null {
  const xs = records.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/**
 * Runs iterations 0..iters-1. Metrics of iteration t carry `iter` = t + 1, `seconds` since the start
 * (the only field that is not a function of the config and seed), and every `evalEvery` iterations
 * and at the last one `testAccuracy` / `testLoss`.
 */
export async function trainLoop(o: LoopOptions): Promise<Metrics> {
  const start = performance.now();
  const history: Metrics[] = [];
  let last: { loss: number; accuracy: number } | undefined;
  let best = 0;
  for (let t = 0; t < o.iters; t++) {
    const { metrics, thetaP } = await o.step(t);
    const record: Metrics = { iter: t + 1, ...metrics };
    if ((t + 1) % o.evalEvery === 0 || t + 1 === o.iters) {
      last = await o.evaluateTest(thetaP);
      best = Math.max(best, last.accuracy);
      record.testLoss = last.loss;
      record.testAccuracy = last.accuracy;
    }
    record.seconds = (performance.now() - start) / 1000;
    history.push(record);
    for (const r of o.reporters) r.onIteration(record);
  }
  const summary: Metrics = {
    ...o.describe,
    iterations: o.iters,
    finalTestAccuracy: last?.accuracy ?? null,
    finalTestLoss: last?.loss ?? null,
    bestTestAccuracy: best,
    meanTrainLoss: meanOf(history, 'loss'),
    meanCorr: meanOf(history, 'corr'),
    seconds: (performance.now() - start) / 1000,
  };
  for (const r of o.reporters) r.onEnd?.(summary);
  return summary;
}

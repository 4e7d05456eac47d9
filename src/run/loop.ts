// The training loop every algorithm shares: step, periodic test-set evaluation, metrics to the
// reporters, and a summary. Algorithms supply only `step`; the loop owns time and bookkeeping.
import type { Metrics, Vec } from '../types.ts';
import { type LoopState, recordLinesSha256, type StepState } from './checkpoint.ts';
import type { Reporter } from './reporter.ts';

/**
 * One update: returns the metrics of iteration `t` (0-based) and the parameters after it.
 * `snapshot` (optional) returns what the step needs to continue from here (for checkpoints).
 */
export type Step = ((t: number) => Promise<{ metrics: Metrics; thetaP: Vec }>) & {
  readonly snapshot?: () => StepState;
};

export interface LoopOptions {
  readonly iters: number;
  readonly evalEvery: number;
  readonly step: Step;
  /** Loss and accuracy of θ on the full test set. */
  readonly evaluateTest: (thetaP: Vec) => Promise<{ loss: number; accuracy: number }>;
  /**
   * When given (--eval-subset N): the evaluations every evalEvery iterations use this fixed subset of
   * the test set instead (recorded as subsetTestLoss / subsetTestAccuracy); the full test set is
   * evaluated once, at the last iteration (testLoss / testAccuracy, beside the subset's).
   */
  readonly evaluateSubset?: (thetaP: Vec) => Promise<{ loss: number; accuracy: number }>;
  readonly reporters: readonly Reporter[];
  /** Fields copied into the summary (algo, model, dataset label, seed, ...). */
  readonly describe: Metrics;
  /** Continue a run: the loop's state after `resume.loop.iteration` iterations and their records. */
  readonly resume?: { readonly loop: LoopState; readonly history: readonly Metrics[] };
  /** Call `checkpoint` every k iterations (0: never); it is also called on `signal` and when a step fails. */
  readonly checkpointEvery?: number;
  readonly checkpoint?: (loop: LoopState) => void;
  /** Stop after the current iteration (Ctrl-C): then the summary says interrupted and onEnd is not called. */
  readonly signal?: AbortSignal;
}

/** A Step with a snapshot of the state it closes over. */
export function withSnapshot(
  fn: (t: number) => Promise<{ metrics: Metrics; thetaP: Vec }>,
  snapshot: () => StepState,
): Step {
  return Object.assign(fn, { snapshot });
}

/** Mean of the numeric values of `key` over the records that have one (null if none). */
function meanOf(records: readonly Metrics[], key: string): number | null {
  const xs = records.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Largest numeric value of `key` over the records (null if none). */
function maxOf(records: readonly Metrics[], key: string): number | null {
  const xs = records.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
  return xs.length ? Math.max(...xs) : null;
}

/**
 * Runs iterations 0..iters-1. Metrics of iteration t carry `iter` = t + 1, `seconds` since the start
 * (the only field that is not a function of the config and seed), and every `evalEvery` iterations
 * and at the last one `testAccuracy` / `testLoss` — or, with `evaluateSubset`, `subsetTestAccuracy` /
 * `subsetTestLoss` at those iterations and the full set's `testAccuracy` / `testLoss` only at the last.
 * finalTestAccuracy and bestTestAccuracy are always of the full test set (with a subset: both the
 * one full evaluation at the end); bestSubsetTestAccuracy is the best subset accuracy.
 */
export async function trainLoop(o: LoopOptions): Promise<Metrics> {
  const from = o.resume?.loop;
  const start = performance.now() - 1000 * (from?.seconds ?? 0);
  const history: Metrics[] = [...(o.resume?.history ?? [])];
  let last = from?.last ?? undefined;
  let best = from?.best ?? 0;
  let t = from?.iteration ?? 0;
  let saved = t;
  let written = history.length; // records every reporter took
  const lines = history.map((r) => JSON.stringify(r)); // metrics.jsonl's lines (fileReporter writes the same)
  const seconds = (): number => (performance.now() - start) / 1000;
  const save = (): void => {
    if (!o.checkpoint || saved === t) return;
    const unwritten = history.slice(written);
    o.checkpoint({
      iteration: t,
      best,
      last: last ?? null,
      seconds: seconds(),
      ...(unwritten.length > 0 ? { unwritten } : {}),
      recordsSha256: recordLinesSha256(lines.slice(0, written)),
    });
    saved = t;
  };
  for (; t < o.iters && !o.signal?.aborted; ) {
    let done: Awaited<ReturnType<Step>>;
    try {
      done = await o.step(t);
    } catch (e) {
      save(); // the state before the failed iteration: a resumed run retries it
      if (o.signal?.aborted) break; // a step that stops on the signal (a Redis round without workers)
      throw e;
    }
    const { metrics, thetaP } = done;
    const record: Metrics = { iter: t + 1, ...metrics };
    const final = t + 1 === o.iters;
    if ((t + 1) % o.evalEvery === 0 || final) {
      if (o.evaluateSubset) {
        const subset = await o.evaluateSubset(thetaP);
        record.subsetTestLoss = subset.loss;
        record.subsetTestAccuracy = subset.accuracy;
      }
      if (!o.evaluateSubset || final) {
        last = await o.evaluateTest(thetaP);
        best = Math.max(best, last.accuracy);
        record.testLoss = last.loss;
        record.testAccuracy = last.accuracy;
      }
    }
    record.seconds = seconds();
    history.push(record);
    lines.push(JSON.stringify(record));
    t++;
    try {
      for (const r of o.reporters) r.onIteration(record, thetaP);
    } catch (e) {
      save(); // a failed write (a full disk) must not lose the iteration: the checkpoint carries its record
      throw e;
    }
    written = history.length;
    if (o.checkpointEvery && t % o.checkpointEvery === 0) save();
  }
  const interrupted = t < o.iters;
  if (interrupted) save();
  const summary: Metrics = {
    ...o.describe,
    iterations: t,
    finalTestAccuracy: last?.accuracy ?? null,
    finalTestLoss: last?.loss ?? null,
    bestTestAccuracy: best,
    ...(o.evaluateSubset ? { bestSubsetTestAccuracy: maxOf(history, 'subsetTestAccuracy') } : {}),
    meanTrainLoss: meanOf(history, 'loss'),
    meanCorr: meanOf(history, 'corr'),
    ...(history.some((r) => 'sgdVsSgdCorr' in r)
      ? { meanSgdVsSgdCorr: meanOf(history, 'sgdVsSgdCorr') }
      : {}),
    seconds: seconds(),
    ...(interrupted ? { interrupted: true } : {}),
  };
  if (!interrupted) for (const r of o.reporters) r.onEnd?.(summary);
  return summary;
}

// The threads evaluator of an objective module: every worker thread imports the user's file (checked
// against the master's sha256) and evaluates its chunks on the shared noise table and θ.
import { workerEntry } from '../worker-thread.ts';
import type { EvaluationSettings } from './evaluator.ts';
import { type Direction, FailureReport, type ObjectiveModule } from './objective.ts';
import { PoolEvaluator, type PoolOptions } from './threads-pool.ts';
import type { ObjectiveWorkerInit } from './threads-protocol.ts';

const WORKER_URL = workerEntry('./objective-worker', import.meta.url);

export interface ObjectiveThreadsOptions extends Omit<PoolOptions, 'onFailures'> {
  /** Where the first objective failure is reported (one line). */
  readonly log?: (msg: string) => void;
}

export class ObjectiveThreadsEvaluator extends PoolEvaluator {
  private readonly failures: FailureReport;

  /**
   * @param module the module as the master loaded it (path and hash; workers import it themselves)
   * @param noiseTable must live in a SharedArrayBuffer
   */
  constructor(
    module: Pick<ObjectiveModule, 'path' | 'hash'>,
    direction: Direction,
    params: number,
    noiseTable: Float32Array,
    settings: EvaluationSettings,
    opts: ObjectiveThreadsOptions = {},
  ) {
    const failures = new FailureReport(opts.log ?? (() => {}));
    const init: Omit<ObjectiveWorkerInit, 'thetaS'> = {
      path: module.path,
      hash: module.hash,
      direction,
      tableS: noiseTable,
      settings,
    };
    super(WORKER_URL, params, init, { ...opts, onFailures: (f) => failures.add(f.first, f.count) });
    this.failures = failures;
  }

  override async close(): Promise<void> {
    await super.close();
    this.failures.close();
  }
}

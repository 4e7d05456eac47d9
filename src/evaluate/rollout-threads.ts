// The threads evaluator of control tasks: worker threads run the rollouts of their chunks on the shared
// noise table and θ; the observation filter and the per-task records travel in shared memory too.

import type { ObsFilter } from '../env/obs-filter.ts';
import { rolloutRecordSize } from '../env/rollout.ts';
import { taskPreload } from '../env/tasks.ts';
import type { EsTask } from '../es/task.ts';
import type { Vec } from '../types.ts';
import { workerEntry } from '../worker-thread.ts';
import type { EvaluationSettings } from './evaluator.ts';
import { FailureReport } from './objective.ts';
import { type RolloutSettings, rolloutPolicySpec } from './rollout.ts';
import type { RolloutEvaluator } from './rollout-local.ts';
import { PoolEvaluator, type PoolOptions } from './threads-pool.ts';
import type { PoolInit } from './threads-protocol.ts';

const WORKER_URL = workerEntry('./rollout-worker', import.meta.url);

/** What a rollout worker starts with besides the pool's noise table, θ and settings. */
export interface RolloutWorkerInit extends PoolInit {
  readonly rollout: RolloutSettings;
  /** The filter, [mean (O), std (O)], rewritten by the master before each evaluate (shared). */
  readonly filterS: Float64Array;
  /** The records, capacity × recordSize, rows by task id (shared). */
  readonly recordsS: Float64Array;
  /** Packages the bootstrap imports before tsx (env/tasks.ts's taskPreload). */
  readonly preload: readonly string[];
}

export interface RolloutThreadsOptions extends Omit<PoolOptions, 'onFailures'> {
  readonly log?: (msg: string) => void;
}

const shared = (n: number): Float64Array => new Float64Array(new SharedArrayBuffer(8 * n));

export class RolloutThreadsEvaluator extends PoolEvaluator implements RolloutEvaluator {
  readonly recordSize: number;
  readonly recordsNR: Float64Array;
  private readonly filterS: Float64Array;
  private readonly failures: FailureReport;
  private hasFilter = false;

  /** @param noiseTable must live in a SharedArrayBuffer; capacity: the most tasks in one evaluate */
  constructor(
    settings: RolloutSettings,
    noiseTable: Float32Array,
    evaluation: EvaluationSettings,
    params: number,
    capacity: number,
    opts: RolloutThreadsOptions = {},
  ) {
    const O = rolloutPolicySpec(settings).observationSize;
    const recordSize = rolloutRecordSize(O);
    const filterS = shared(2 * O);
    const recordsS = shared(capacity * recordSize);
    const failures = new FailureReport(opts.log ?? (() => {}));
    const init: Omit<RolloutWorkerInit, 'thetaS'> = {
      tableS: noiseTable,
      settings: evaluation,
      rollout: settings,
      filterS,
      recordsS,
      preload: taskPreload(settings.task),
    };
    super(WORKER_URL, params, init, { ...opts, onFailures: (f) => failures.add(f.first, f.count) });
    this.recordSize = recordSize;
    this.recordsNR = recordsS;
    this.filterS = filterS;
    this.failures = failures;
  }

  setObsFilter(filter: ObsFilter): void {
    this.filterS.set(filter.meanO, 0);
    this.filterS.set(filter.stdO, filter.meanO.length);
    this.hasFilter = true;
  }

  override evaluate(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array> {
    if (!this.hasFilter) throw new Error('rollout evaluator: setObsFilter before evaluate');
    return super.evaluate(thetaP, sigma, tasks, onProgress);
  }

  override async close(): Promise<void> {
    await super.close();
    this.failures.close();
  }
}

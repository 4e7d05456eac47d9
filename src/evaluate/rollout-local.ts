// The evaluators of control tasks: the Evaluator seam plus the observation filter shipped with θ and
// the per-task rollout records (returns, steps, observation sums); the in-process one is here.

import type { ObsFilter } from '../env/obs-filter.ts';
import type { EsTask } from '../es/task.ts';
import type { Vec } from '../types.ts';
import type { EvaluationSettings, Evaluator } from './evaluator.ts';
import { FailureReport } from './objective.ts';
import { RolloutRunner, type RolloutSettings } from './rollout.ts';

export interface RolloutEvaluator extends Evaluator {
  /** Floats per task record (env/rollout.ts's layout). */
  readonly recordSize: number;
  /** The observation filter of the policies from the next evaluate on. */
  setObsFilter(filter: ObsFilter): void;
  /** The records of the last evaluate, row t.id for task t (capacity × recordSize floats). */
  readonly recordsNR: Float64Array;
}

/** Rollouts in this thread. */
export class LocalRolloutEvaluator implements RolloutEvaluator {
  readonly recordSize: number;
  readonly recordsNR: Float64Array;
  private readonly runner: RolloutRunner;
  private readonly failures: FailureReport;
  private filter: ObsFilter | undefined;

  /** @param capacity the most tasks in one evaluate (the population) */
  constructor(
    settings: RolloutSettings,
    private readonly noiseTable: Float32Array,
    evaluation: EvaluationSettings,
    params: number,
    capacity: number,
    log: (msg: string) => void = () => {},
  ) {
    this.runner = new RolloutRunner(settings, evaluation, params);
    this.recordSize = this.runner.recordSize;
    this.recordsNR = new Float64Array(capacity * this.recordSize);
    this.failures = new FailureReport(log);
  }

  setObsFilter(filter: ObsFilter): void {
    this.filter = filter;
  }

  async evaluate(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array> {
    if (!this.filter) throw new Error('rollout evaluator: setObsFilter before evaluate');
    const rewardsN = this.runner.run(
      this.noiseTable,
      thetaP,
      sigma,
      tasks,
      this.filter,
      this.recordsNR,
      (m, n) => this.failures.add(m, n),
    );
    onProgress?.(tasks.length);
    return rewardsN;
  }

  async close(): Promise<void> {
    this.runner.close();
    this.failures.close();
  }
}

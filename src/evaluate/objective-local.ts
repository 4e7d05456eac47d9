// Evaluating a user's objective on ES tasks: the one routine every transport runs (candidate by the
// shared float32 materialisation, reward ±f, NaN on failure) and the in-process evaluator built on it.
import { bucketLayout } from '../es/buckets.ts';
import { candidateInto } from '../es/candidates.ts';
import { activeBucketSize } from '../es/index.ts';
import type { EsTask } from '../es/task.ts';
import type { Vec } from '../types.ts';
import type { EvaluationSettings, Evaluator } from './evaluator.ts';
import { type Direction, FailureReport, type ObjectiveFn, rewardOf } from './objective.ts';

/** An objective as the evaluators run it. */
export interface DirectedObjective {
  readonly fn: ObjectiveFn;
  readonly direction: Direction;
}

/**
 * Rewards of `tasks` (noise offsets index `noise`): reward = ±f(candidate), in task order, one
 * candidate buffer reused. An objective that throws or returns a non-number gives NaN and is told to
 * `onFailure` (NaN and ±Infinity returned are rewards as they are; tell() skips and counts them).
 */
export async function evaluateObjectiveTasks(
  objective: DirectedObjective,
  noise: Float32Array,
  settings: EvaluationSettings,
  thetaP: Vec,
  sigma: number,
  tasks: readonly EsTask[],
  onFailure: (message: string) => void,
  onProgress?: (done: number) => void,
): Promise<Float64Array> {
  const P = thetaP.length;
  const bucketSize = activeBucketSize(settings);
  const buckets = bucketSize > 0 ? bucketLayout(P, bucketSize) : undefined;
  const candidateP = new Float32Array(P);
  const rewardsN = new Float64Array(tasks.length);
  for (const [i, t] of tasks.entries()) {
    candidateInto(candidateP, thetaP, noise, t, sigma, buckets);
    let value: unknown;
    let why: string | undefined;
    try {
      value = await objective.fn(candidateP);
    } catch (e) {
      why = e instanceof Error ? `threw ${e.name}: ${e.message.split('\n')[0]}` : `threw ${String(e)}`;
    }
    if (why === undefined && typeof value !== 'number') why = `returned ${typeof value}, not a number`;
    rewardsN[i] = why === undefined ? rewardOf(value as number, objective.direction) : NaN;
    if (why !== undefined) onFailure(`task ${t.id} of generation ${t.generation} ${why}`);
    onProgress?.(i + 1);
  }
  return rewardsN;
}

/** The in-process objective evaluator (a function or a loaded module; tasks one after another). */
export class ObjectiveEvaluator implements Evaluator {
  private readonly failures: FailureReport;

  constructor(
    private readonly objective: DirectedObjective,
    private readonly noiseTable: Float32Array,
    private readonly settings: EvaluationSettings,
    log: (msg: string) => void = () => {},
  ) {
    this.failures = new FailureReport(log);
  }

  evaluate(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array> {
    return evaluateObjectiveTasks(
      this.objective,
      this.noiseTable,
      this.settings,
      thetaP,
      sigma,
      tasks,
      (m) => this.failures.add(m),
      onProgress,
    );
  }

  async close(): Promise<void> {
    this.failures.close();
  }
}

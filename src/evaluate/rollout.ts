// Rollouts of ES tasks on control tasks, the one routine every transport runs: task -> candidate policy
// (shared float32 materialisation), environment seed, episodes; a flat record per task (rows by task.id).

import { VecEnv } from '../env/env.ts';
import type { ObsFilter } from '../env/obs-filter.ts';
import type { PolicySpec } from '../env/policy.ts';
import { rolloutInto, rolloutRecordSize } from '../env/rollout.ts';
import { taskFactory } from '../env/tasks.ts';
import { bucketLayout } from '../es/buckets.ts';
import { candidateInto } from '../es/candidates.ts';
import { activeBucketSize } from '../es/index.ts';
import type { EsTask } from '../es/task.ts';
import { createRng, hashSeed, nextFloat } from '../rng/prng.ts';
import type { Vec } from '../types.ts';
import type { EvaluationSettings } from './evaluator.ts';

/** What a rollout needs besides the task: plain data, so it travels to workers as it is. */
export interface RolloutSettings {
  /** A task name of env/tasks.ts. */
  readonly task: string;
  /** Hidden layer widths of the MLP policy. */
  readonly hidden: readonly number[];
  /** Episodes per offspring; the fitness is their mean return. */
  readonly episodes: number;
  /** Step limit of an episode (0: the task's own). */
  readonly maxSteps: number;
  /** Probability that a task's observations enter the normalisation statistics. */
  readonly obsStatsFraction: number;
}

/** The policy shape of a rollout's task. */
export function rolloutPolicySpec(settings: RolloutSettings): PolicySpec {
  const env = taskFactory(settings.task)();
  try {
    const { observationSize, actionSpace } = env.spec;
    return { observationSize, actionSpace, hidden: settings.hidden };
  } finally {
    env.close();
  }
}

const ENV_SEED_STREAM = 0xe5eed;
const OBS_STATS_STREAM = 0x0b5547;

/**
 * The environment seed of a task: its own data seed (a mirrored pair shares it: both members meet the
 * same initial states) or, when tasks carry none (-1), one seed per generation shared by all.
 */
export const taskEnvSeed = (seed: number, task: EsTask): number =>
  task.dataSeed >= 0 ? task.dataSeed : hashSeed(seed, ENV_SEED_STREAM, task.generation);

/** Whether a task's observations enter the statistics: a pure function of (seed, generation, id). */
export const collectsObsStats = (seed: number, task: EsTask, fraction: number): boolean =>
  fraction > 0 && nextFloat(createRng(hashSeed(seed, OBS_STATS_STREAM, task.generation, task.id))) < fraction;

/** Tasks stepped together on one VecEnv. Results do not depend on it (rows are independent). */
const CHUNK = 32;

/** Runs rollouts of tasks; holds the VecEnvs it made (close it). */
export class RolloutRunner {
  readonly policy: PolicySpec;
  readonly recordSize: number;
  private readonly vecs = new Map<number, VecEnv>();
  private readonly buckets;

  constructor(
    readonly settings: RolloutSettings,
    private readonly evaluation: EvaluationSettings,
    params: number,
  ) {
    this.policy = rolloutPolicySpec(settings);
    this.recordSize = rolloutRecordSize(this.policy.observationSize);
    const bucketSize = activeBucketSize(evaluation);
    this.buckets = bucketSize > 0 ? bucketLayout(params, bucketSize) : undefined;
  }

  private vec(count: number): VecEnv {
    let v = this.vecs.get(count);
    if (!v) {
      const maxSteps = this.settings.maxSteps;
      v = new VecEnv(
        taskFactory(this.settings.task),
        count,
        maxSteps > 0 ? { maxEpisodeSteps: maxSteps } : undefined,
      );
      this.vecs.set(count, v);
    }
    return v;
  }

  /**
   * Rewards (mean episode returns) of `tasks` at θ, in task order; task t's record goes to row t.id
   * of recordsNR. A chunk whose rollout throws is run again task by task: a task that throws alone gets
   * a NaN reward (its record otherwise 0) and is told to onFailure, the others their rewards (so the
   * result does not depend on how an evaluator splits the tasks).
   */
  run(
    noise: Float32Array,
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    filter: ObsFilter,
    recordsNR: Float64Array,
    onFailure: (message: string, count: number) => void,
  ): Float64Array {
    const P = thetaP.length;
    const R = this.recordSize;
    const rewardsN = new Float64Array(tasks.length);
    for (let start = 0; start < tasks.length; start += CHUNK) {
      const chunkTasks = tasks.slice(start, start + CHUNK);
      const K = chunkTasks.length;
      const recordsKR = new Float64Array(K * R);
      const rollout = (part: readonly EsTask[], partKR: Float64Array): void =>
        rolloutInto(
          this.vec(part.length),
          this.policy,
          filter,
          {
            policiesK: part.map((t) =>
              candidateInto(new Float32Array(P), thetaP, noise, t, sigma, this.buckets),
            ),
            envSeedsK: part.map((t) => taskEnvSeed(this.evaluation.seed, t)),
            collectK: part.map((t) =>
              collectsObsStats(this.evaluation.seed, t, this.settings.obsStatsFraction) ? 1 : 0,
            ),
            episodes: this.settings.episodes,
          },
          partKR,
        );
      try {
        rollout(chunkTasks, recordsKR);
      } catch {
        for (const [k, t] of chunkTasks.entries()) {
          const taskR = recordsKR.subarray(k * R, (k + 1) * R);
          try {
            rollout([t], taskR);
          } catch (e) {
            const why = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
            onFailure(`rollout of task ${t.id} of generation ${t.generation} threw ${why}`, 1);
            taskR.fill(0);
            taskR[0] = NaN;
          }
        }
      }
      for (const [k, t] of chunkTasks.entries()) {
        rewardsN[start + k] = recordsKR[k * R]!;
        recordsNR.set(recordsKR.subarray(k * R, (k + 1) * R), t.id * R);
      }
    }
    return rewardsN;
  }

  close(): void {
    for (const v of this.vecs.values()) v.close();
    this.vecs.clear();
  }
}

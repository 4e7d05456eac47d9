// The Redis evaluator of control tasks: a RedisEvaluator whose rounds carry the observation filter after
// θ and whose results carry each task's rollout record (rows by task id, as the local evaluator fills them).
import type { ObsFilter } from '../env/obs-filter.ts';
import { rolloutRecordSize } from '../env/rollout.ts';
import type { EsTask } from '../es/task.ts';
import type { Vec } from '../types.ts';
import type { EvaluationSettings } from './evaluator.ts';
import { RedisEvaluator, type RedisEvaluatorOptions } from './redis.ts';
import { encodeFilter } from './redis-protocol.ts';
import { rolloutWork } from './redis-run.ts';
import { type RolloutSettings, rolloutPolicySpec } from './rollout.ts';
import type { RolloutEvaluator } from './rollout-local.ts';

export class RedisRolloutEvaluator implements RolloutEvaluator {
  readonly recordSize: number;
  readonly recordsNR: Float64Array;
  /** The master's side of the run: its rounds, with the hooks below. */
  private readonly redis: RedisEvaluator;
  private filterBytes: Uint8Array | undefined;

  /** @param capacity the most tasks in one evaluate (the population) */
  constructor(
    settings: RolloutSettings,
    noiseTable: Float32Array,
    evaluation: EvaluationSettings,
    params: number,
    capacity: number,
    o: Omit<RedisEvaluatorOptions, 'rollout'>,
  ) {
    this.recordSize = rolloutRecordSize(rolloutPolicySpec(settings).observationSize);
    this.recordsNR = new Float64Array(capacity * this.recordSize);
    const R = this.recordSize;
    this.redis = new RedisEvaluator(noiseTable, evaluation, rolloutWork(settings, params), {
      ...o,
      rollout: {
        thetaExtra: () => this.filterBytes!,
        recordSize: R,
        onRecords: (ids, recordsKR) => {
          for (const [k, id] of ids.entries())
            this.recordsNR.set(recordsKR.subarray(k * R, (k + 1) * R), id * R);
        },
      },
    });
  }

  setObsFilter(filter: ObsFilter): void {
    this.filterBytes = encodeFilter(filter.meanO, filter.stdO);
  }

  evaluate(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array> {
    if (!this.filterBytes) throw new Error('rollout evaluator: setObsFilter before evaluate');
    return this.redis.evaluate(thetaP, sigma, tasks, onProgress);
  }

  close(): Promise<void> {
    return this.redis.close();
  }
}

// Messages between the threads evaluator and its workers: what a worker is started with, one chunk
// of tasks to evaluate, and its result. Shared memory carries the big arrays; messages carry numbers.
import type { EsTask } from '../es/task.ts';

export interface WorkerInit {
  readonly model: string;
  readonly tableSab: SharedArrayBuffer;
  readonly thetaSab: SharedArrayBuffer;
  readonly imagesSab: SharedArrayBuffer;
  readonly labelsSab: SharedArrayBuffer;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly subsetSize: number;
  readonly bucketSize: number;
  readonly copiesPerRun: number;
  /** Fault injection for tests: the first worker to receive this chunk number exits... */
  readonly exitOnChunk?: number;
  /** ...claimed through this shared flag, so exactly one worker dies. */
  readonly exitClaimSab?: SharedArrayBuffer;
}

export interface ChunkRequest {
  readonly chunk: number;
  /** Bumped whenever the master writes a new θ into thetaSab. */
  readonly thetaVersion: number;
  readonly sigma: number;
  readonly tasks: readonly EsTask[];
}

export type ChunkResult =
  | { readonly chunk: number; readonly rewardsN: Float64Array }
  | {
      readonly chunk: number;
      readonly error: string /** The worker died: the chunk may run again elsewhere. */;
      readonly retry?: boolean;
    };

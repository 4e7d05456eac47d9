// Messages between a threads evaluator and its workers: what a worker is started with (model or
// objective), one chunk of tasks, and its result. Shared memory carries the big arrays; messages numbers.
import type { ModelSource } from '../backend/source.ts';
import type { Split } from '../data/index.ts';
import type { EsTask } from '../es/task.ts';
import type { EvaluationSettings } from './evaluator.ts';
import type { Direction } from './objective.ts';

/** What every pool worker gets: the shared noise table and θ, and the run's evaluation settings. */
export interface PoolInit {
  /** Both over SharedArrayBuffers (structured clone shares them, it does not copy). */
  readonly tableS: Float32Array;
  readonly thetaS: Float32Array;
  readonly settings: EvaluationSettings;
  /** Fault injection for tests: the first worker to receive this chunk number exits... */
  readonly exitOnChunk?: number;
  /** ...claimed through this shared flag, so exactly one worker dies. */
  readonly exitClaimSab?: SharedArrayBuffer;
}

/** A model worker: it opens the published model and reads the shared training split. */
export interface WorkerInit extends PoolInit {
  readonly source: ModelSource;
  /** The training split with its arrays over SharedArrayBuffers. */
  readonly train: Split;
  readonly copiesPerRun: number;
}

/** An objective worker: it imports the module and checks its hash against the master's. */
export interface ObjectiveWorkerInit extends PoolInit {
  readonly path: string;
  readonly hash: string;
  readonly direction: Direction;
}

export interface ChunkRequest {
  readonly chunk: number;
  /** Bumped whenever the master writes a new θ into thetaS. */
  readonly thetaVersion: number;
  readonly sigma: number;
  readonly tasks: readonly EsTask[];
}

/** Objective failures in a chunk: how many, and the first one's message. */
export interface ChunkFailures {
  readonly count: number;
  readonly first: string;
}

export type WorkerMessage =
  | { readonly ready: true }
  | { readonly chunk: number; readonly rewardsN: Float64Array; readonly failures?: ChunkFailures }
  | {
      readonly chunk: number;
      readonly error: string;
      /** The worker died: the chunk may run again elsewhere. */
      readonly retry?: boolean;
    };
export type ChunkResult = Exclude<WorkerMessage, { ready: true }>;

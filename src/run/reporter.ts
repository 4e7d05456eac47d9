// What a training loop reports to: one record per iteration, progress, the summary, durability and
// release. The loops call reporters (reporters.ts, csv.ts, tensorboard.ts, model-files.ts) and never print.
import type { Metrics, Vec } from '../types.ts';

export interface Reporter {
  /** An iteration's record, and θ after it (the step's own array: copy what must outlive the call). */
  onIteration(m: Metrics, thetaP: Vec): void;
  /** The run finished: the summary. */
  onEnd?(summary: Metrics): void;
  /** Progress inside a long iteration, e.g. offspring evaluated so far. */
  onPartial?(done: number, total: number, what: string): void;
  /** Always called last, also when the run failed: release terminals, timers, files. */
  close?(): void;
  /** Make what was reported durable (before a checkpoint is written). */
  sync?(): void;
}

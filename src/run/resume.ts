// Continuing a run from its checkpoint (`esgrad train --resume DIR`): the saved config with the few
// settings a resumed run may change, and the loop and step state it starts from.
import type { FieldNamer } from '../optim/index.ts';
import { type Metrics, UsageError } from '../types.ts';
import { type LoopState, readCheckpoint, readMetricsHistory, type StepState } from './checkpoint.ts';
import { flag, parseTrainConfig, type TrainConfig } from './config.ts';

/** Settings that do not change a run's results, so a resumed run may set them anew. */
export const RESUME_OVERRIDES: readonly string[] = [
  'iters',
  'evaluator',
  'workers',
  'threads',
  'checkpointEvery',
  'dataDir',
  'tensorboard',
];

/**
 * The config of the run in `dir` (from its checkpoint), with `overrides` applied. Any other setting
 * given with a different value is refused: a resumed run is the same run.
 */
export function resumeConfig(
  dir: string,
  overrides: Readonly<Record<string, unknown>>,
  name?: FieldNamer,
): TrainConfig {
  const saved = readCheckpoint(dir);
  for (const [key, value] of Object.entries(overrides)) {
    if (key === 'out' || RESUME_OVERRIDES.includes(key) || saved.config[key] === value) continue;
    throw new UsageError(
      `--resume continues the saved run: ${flag(key)} cannot be changed (allowed: ${RESUME_OVERRIDES.map(flag).join(', ')}, --redis)`,
    );
  }
  const config = parseTrainConfig({ ...saved.config, ...overrides, out: dir }, name);
  if (config.iters < saved.loop.iteration) {
    throw new UsageError(
      `--iters ${config.iters}: the checkpoint in ${dir} is already at iteration ${saved.loop.iteration}`,
    );
  }
  return config;
}

export interface ResumePoint {
  readonly loop: LoopState;
  readonly history: readonly Metrics[];
  readonly state: StepState;
}

/** Where the run in `dir` continues: its checkpoint and the metrics records before it. */
export function resumePoint(dir: string, config: TrainConfig): ResumePoint {
  const c = readCheckpoint(dir);
  if (c.config.algo !== config.algo || c.config.model !== config.model || c.config.seed !== config.seed) {
    throw new UsageError(
      `--resume ${dir}: the checkpoint is of ${String(c.config.algo)} ${String(c.config.model)} seed ${String(c.config.seed)}, not of this run`,
    );
  }
  return { loop: c.loop, history: readMetricsHistory(dir, c.loop.iteration), state: c.state };
}

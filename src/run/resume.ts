// Continuing a run from its checkpoint (`esgrad train --resume DIR`): the saved config with the few
// settings a resumed run may change, and the loop and step state it starts from.
import type { FieldNamer } from '../optim/index.ts';
import { type Metrics, UsageError } from '../types.ts';
import { type LoopState, loopHistory, readCheckpoint, type StepState } from './checkpoint.ts';
import { flag, parseTrainConfig, type TrainConfig } from './config.ts';

/** Settings that do not change a run's results, so a resumed run may set them anew. */
export const RESUME_OVERRIDES: readonly string[] = [
  'iters',
  'evaluator',
  'workers',
  'replay',
  'threads',
  'checkpointEvery',
  'dataDir',
  'tensorboard',
];

/** Refuses a setting of `overrides` that differs from the saved run's, unless it is one of `allowed`. */
export function refuseChangedSettings(
  saved: Readonly<Record<string, unknown>>,
  overrides: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
): void {
  for (const [key, value] of Object.entries(overrides)) {
    if (key === 'out' || allowed.includes(key) || JSON.stringify(saved[key]) === JSON.stringify(value))
      continue;
    throw new UsageError(
      `--resume continues the saved run: ${flag(key)} cannot be changed (allowed: ${allowed.map(flag).join(', ')}, --redis)`,
    );
  }
}

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
  refuseChangedSettings(saved.config, overrides, RESUME_OVERRIDES);
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

/** The sha256 of the run's training data and model (see Checkpoint.fingerprints). */
export interface RunFingerprints {
  readonly data: string;
  readonly model: string;
}

/** Why the checkpoint's fingerprints are not this run's, or undefined when they are. */
function fingerprintMismatch(saved: RunFingerprints | undefined, now: RunFingerprints): string | undefined {
  if (saved === undefined)
    return 'the checkpoint was written by an older esgrad and records no fingerprints of its data and model, so it cannot be resumed';
  const short = (h: string) => `${h.slice(0, 12)}…`;
  if (saved.data !== now.data)
    return `the training data differ from the checkpoint's (sha256 ${short(now.data)} here, ${short(saved.data)} in the checkpoint)`;
  if (saved.model !== now.model)
    return `the model differs from the checkpoint's (sha256 ${short(now.model)} here, ${short(saved.model)} in the checkpoint)`;
  return undefined;
}

/**
 * Where the run in `dir` continues: its checkpoint and the metrics records before it. Refused unless
 * the checkpoint was written by a run of the same algorithm, --model and seed, on the same training
 * data with the same model (by fingerprint).
 */
export function resumePoint(dir: string, config: TrainConfig, fingerprints: RunFingerprints): ResumePoint {
  const c = readCheckpoint(dir);
  if (c.config.algo !== config.algo || c.config.model !== config.model || c.config.seed !== config.seed) {
    throw new UsageError(
      `--resume ${dir}: the checkpoint is of ${String(c.config.algo)} ${String(c.config.model)} seed ${String(c.config.seed)}, not of this run`,
    );
  }
  const mismatch = fingerprintMismatch(c.fingerprints, fingerprints);
  if (mismatch) throw new UsageError(`--resume ${dir}: ${mismatch}`);
  const { unwritten: _, recordsSha256: __, ...loop } = c.loop;
  return { loop, history: loopHistory(dir, c.loop), state: c.state };
}

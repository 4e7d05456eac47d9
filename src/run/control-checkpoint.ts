// Checkpoints of control-task runs (`esgrad train --task`, run/control.ts) in checkpoint.ts's one format,
// their run directories, and where `esgrad train --resume DIR` continues one (the same run, bit for bit).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ObsFilter, ObsStats } from '../env/obs-filter.ts';
import type { FieldNamer } from '../optim/index.ts';
import { type Metrics, UsageError, type Vec } from '../types.ts';
import {
  CHECKPOINT_FILE,
  loopHistory,
  readCheckpoint,
  recordLinesSha256,
  type StepState,
  writeCheckpoint,
} from './checkpoint.ts';
import { type ControlConfig, parseControlConfig } from './control-config.ts';
import { removeStaleTempFiles, syncFile, writeFileAtomic } from './files.ts';
import { writeJsonAtomic } from './reporters.ts';
import { refuseChangedSettings } from './resume.ts';

/** Settings that do not change a control run's results, so a resumed run may set them anew. */
export const CONTROL_RESUME_OVERRIDES: readonly string[] = [
  'iters',
  'evaluator',
  'workers',
  'threads',
  'checkpointEvery',
];

/** Everything a control run writes into its directory. */
const CONTROL_FILES = [
  'config.json',
  'metrics.jsonl',
  'policy.json',
  'policy-best.json',
  'summary.json',
  CHECKPOINT_FILE,
];

/** The loop's counters after `iteration` completed iterations. */
export interface ControlProgress {
  readonly iteration: number;
  readonly timesteps: number;
  readonly evalTimesteps: number;
  /** -Infinity before the first evaluation. */
  readonly bestEvalReturn: number;
  readonly bestEvalIteration: number;
  /** NaN before the first evaluation. */
  readonly lastEvalReturn: number;
}

export const startProgress: ControlProgress = {
  iteration: 0,
  timesteps: 0,
  evalTimesteps: 0,
  bestEvalReturn: -Infinity,
  bestEvalIteration: -1,
  lastEvalReturn: NaN,
};

/** Where a resumed run continues: the ES state, statistics and counters, and the records before them. */
export interface ControlResumePoint {
  readonly es: StepState;
  readonly obsStats: ObsStats;
  readonly progress: ControlProgress;
  /** Seconds the run had taken at the checkpoint (its clock continues from there). */
  readonly seconds: number;
  readonly history: readonly Metrics[];
}

const settingsOf = (config: ControlConfig): Record<string, unknown> => {
  const { out: _, ...settings } = config;
  return settings;
};

/** True when `dir` holds a control-task run: its config.json names a task. */
export function isControlRunDir(dir: string): boolean {
  try {
    const config: unknown = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    return typeof (config as { task?: unknown })?.task === 'string';
  } catch {
    return false;
  }
}

/**
 * Writes the checkpoint of a control run after `recordLines` (metrics.jsonl as written, made durable
 * first) and `unwritten` (records a failed write kept out of metrics.jsonl).
 */
export function writeControlCheckpoint(
  dir: string,
  config: ControlConfig,
  es: StepState,
  obsStats: ObsStats,
  progress: ControlProgress,
  seconds: number,
  recordLines: readonly string[],
  unwritten: readonly Metrics[],
): void {
  const metrics = join(dir, 'metrics.jsonl');
  if (existsSync(metrics)) syncFile(metrics);
  const { iteration, bestEvalReturn, ...counters } = progress;
  writeCheckpoint(dir, {
    config: settingsOf(config),
    loop: {
      iteration,
      best: bestEvalReturn,
      last: null,
      seconds,
      ...(unwritten.length > 0 ? { unwritten } : {}),
      recordsSha256: recordLinesSha256(recordLines),
    },
    state: {
      thetaP: es.thetaP,
      optState: es.optState,
      ...(es.generation === undefined ? {} : { generation: es.generation }),
    },
    rng: { seed: config.seed, streams: 'every stream is a pure function of (seed, iteration)' },
    savedAt: new Date().toISOString(),
    control: { ...counters, obsStats },
  });
}

/** The iterations of the finished run in `dir` (its summary.json), if it has one. */
function finishedIterations(dir: string): number | undefined {
  try {
    const summary: unknown = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const n = (summary as { iterations?: unknown })?.iterations;
    return typeof n === 'number' ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The config and resume point of the control run in `dir`, with `overrides` (CONTROL_RESUME_OVERRIDES)
 * applied; a finished run, a changed setting or a damaged or edited metrics.jsonl is one UsageError.
 */
export function controlResume(
  dir: string,
  overrides: Readonly<Record<string, unknown>>,
  name?: FieldNamer,
): { config: ControlConfig; point: ControlResumePoint } {
  if (!existsSync(join(dir, CHECKPOINT_FILE)) && existsSync(join(dir, 'summary.json')))
    throw new UsageError(
      `--resume ${dir}: the run is finished (summary.json) and kept no checkpoint to continue from (--checkpoint-every k keeps one)`,
    );
  const c = readCheckpoint(dir);
  if (c.control === undefined)
    throw new UsageError(`--resume ${dir}: the checkpoint is not of a control-task run (--task)`);
  refuseChangedSettings(c.config, overrides, CONTROL_RESUME_OVERRIDES);
  const config = parseControlConfig({ ...c.config, ...overrides, out: dir }, name);
  const at = c.loop.iteration;
  const finished = finishedIterations(dir);
  if (finished !== undefined && finished > at)
    throw new UsageError(
      `--resume ${dir}: the run is finished (summary.json, ${finished} iterations); its checkpoint is of iteration ${at}`,
    );
  if (config.iters < at)
    throw new UsageError(`--iters ${config.iters}: the checkpoint in ${dir} is already at iteration ${at}`);
  if (config.iters === at)
    throw new UsageError(
      `--resume ${dir}: the run is finished (iteration ${at} of ${at}); --iters above ${at} trains it on`,
    );
  const { obsStats, ...counters } = c.control;
  return {
    config,
    point: {
      es: c.state,
      obsStats,
      progress: { iteration: at, bestEvalReturn: c.loop.best, ...counters },
      seconds: c.loop.seconds,
      history: loopHistory(dir, c.loop),
    },
  };
}

/**
 * Makes the run directory: a new run refuses one holding a run; a resumed run's metrics.jsonl is
 * rewritten as its `history` (a record torn by a kill, or written after the checkpoint, goes).
 */
export function prepareControlRunDir(
  out: string,
  config: ControlConfig,
  history: readonly Metrics[] | undefined,
  log: (msg: string) => void,
): void {
  if (history === undefined && existsSync(join(out, 'metrics.jsonl')))
    throw new UsageError(`--out ${out}: a run is already there`);
  mkdirSync(out, { recursive: true });
  const stale = removeStaleTempFiles(out, CONTROL_FILES);
  if (stale.length > 0)
    log(`removed ${stale.length} temporary file(s) left by a killed run: ${stale.join(', ')}`);
  // the run's settings as given, so `esgrad train --config <out>/config.json --out OTHER` repeats it
  writeJsonAtomic(join(out, 'config.json'), settingsOf(config));
  if (history !== undefined)
    writeFileAtomic(join(out, 'metrics.jsonl'), history.map((m) => `${JSON.stringify(m)}\n`).join(''));
}

/** A trained policy as saved (policy.json): enough to act without esgrad's run. */
export interface SavedPolicy {
  readonly task: string;
  readonly hidden: readonly number[];
  readonly maxSteps: number;
  readonly thetaP: number[];
  readonly obsMean: number[];
  readonly obsStd: number[];
}

/** Writes θ and the observation filter as a policy file (policy.json, policy-best.json). */
export function writePolicy(path: string, config: ControlConfig, thetaP: Vec, filter: ObsFilter): void {
  const saved: SavedPolicy = {
    task: config.task,
    hidden: config.hidden,
    maxSteps: config.maxSteps,
    thetaP: Array.from(thetaP),
    obsMean: Array.from(filter.meanO),
    obsStd: Array.from(filter.stdO),
  };
  writeFileAtomic(path, `${JSON.stringify(saved)}\n`);
}

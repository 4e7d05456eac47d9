// Runs an experiment: every run of the preset at a scale and seed count, each in <out>/runs/<id>,
// one after another (or a few at once with `jobs`); finished runs (summary.json) are skipped and an
// interrupted training run continues from its checkpoint, so rerunning the same command goes on.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../data/index.ts';
import { CHECKPOINT_FILE } from '../run/checkpoint.ts';
import { parseTrainConfig, type TrainConfig } from '../run/config.ts';
import { writeJsonAtomic } from '../run/reporters.ts';
import { resumeConfig } from '../run/resume.ts';
import { train } from '../run/train.ts';
import { type Metrics, UsageError } from '../types.ts';
import { addComputeSeconds } from './compute-time.ts';
import { buildManifest, checkSameExperiment, readManifest } from './manifest.ts';
import { getPreset } from './presets.ts';
import { runPopulation, runTiming } from './run-analysis.ts';
import type { Manifest, RunSpec, Scale, TrainRun } from './types.ts';

export interface ExperimentOptions {
  readonly scale: Scale;
  /** Default: the preset's seeds for the scale. */
  readonly seeds?: number;
  readonly out: string;
  readonly dataDir?: string;
  /** Runs at once (default 1); with more, each run gets cores / jobs threads. */
  readonly jobs?: number;
  /** Overrides of every training run (e.g. evaluator, workers) for this machine. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly quiet?: boolean;
  readonly log?: (msg: string) => void;
  /** Stop (Ctrl-C): the training runs under way write their checkpoints; no new run starts. */
  readonly signal?: AbortSignal;
}

export interface ExperimentResult {
  readonly manifest: Manifest;
  readonly ran: string[];
  readonly skipped: string[];
  /** Stopped by the signal before every run finished. */
  readonly interrupted: boolean;
}

export const runDir = (out: string, id: string): string => join(out, 'runs', id);
export const isFinished = (out: string, id: string): boolean =>
  existsSync(join(runDir(out, id), 'summary.json'));

function readSummary(out: string, id: string): Metrics {
  return JSON.parse(readFileSync(join(runDir(out, id), 'summary.json'), 'utf8')) as Metrics;
}

/** Checkpoints of an experiment's training run: about 20 over the run, so an interruption costs ≤ 5%. */
const checkpointEvery = (iters: number): number => Math.max(1, Math.round(iters / 20));

/**
 * The config to continue the unfinished run in `dir` from its checkpoint, or undefined (none, or it
 * cannot be continued with these settings: then it starts over, saying why).
 */
function resumable(dir: string, overrides: Record<string, unknown>, log: (m: string) => void) {
  if (!existsSync(join(dir, CHECKPOINT_FILE))) return undefined;
  try {
    return resumeConfig(dir, overrides);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    log(`    cannot continue ${dir} (${e.message}): running it again`);
    return undefined;
  }
}

async function runTrain(
  spec: TrainRun,
  o: ExperimentOptions,
  dir: string,
  extra: Record<string, unknown>,
): Promise<Metrics> {
  const log = o.log ?? (() => {});
  const machine = { ...o.overrides, ...extra, ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }) };
  const input: Record<string, unknown> = { ...spec.config, ...machine, seed: spec.seed, out: dir };
  if (spec.corrFrom !== undefined) {
    const source = readSummary(o.out, spec.corrFrom);
    if (typeof source.meanCorr !== 'number' || !(source.meanCorr > 0))
      throw new Error(`run ${spec.id}: ${spec.corrFrom} has no positive mean correlation to target`);
    input.targetCorr = Math.min(1, source.meanCorr);
  }
  const opts = { quiet: o.quiet ?? true, log, ...(o.signal ? { signal: o.signal } : {}) };
  const resumed = resumable(dir, machine, log);
  if (resumed) return train(resumed, { ...opts, resume: true });
  const config: TrainConfig = parseTrainConfig(input);
  return train(
    input.checkpointEvery === undefined
      ? { ...config, checkpointEvery: checkpointEvery(config.iters) }
      : config,
    { ...opts, overwrite: true },
  );
}

async function runOne(spec: RunSpec, o: ExperimentOptions, extra: Record<string, unknown>): Promise<Metrics> {
  const dir = runDir(o.out, spec.id);
  if (spec.kind === 'train') return runTrain(spec, o, dir, extra);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return spec.kind === 'population'
    ? runPopulation(
        spec,
        {
          ...spec.config,
          ...o.overrides,
          ...extra,
          seed: spec.seed,
          ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }),
        },
        dir,
      )
    : runTiming(
        spec,
        dir,
        typeof extra.threads === 'number' && extra.threads > 0 ? extra.threads : undefined,
      );
}

/** The dataset label of the experiment's training runs ("MNIST (22,699 train)"), or what a timing uses. */
async function datasetLabel(specs: readonly RunSpec[], dataDir: string | undefined): Promise<string> {
  const first = specs.find((s) => s.kind !== 'timing');
  if (first === undefined) return 'none (synthetic offsets and weights over the noise table)';
  const name = typeof first.config.dataset === 'string' ? first.config.dataset : 'mnist';
  return (await loadDataset(name, dataDir === undefined ? {} : { dataDir })).label;
}

export async function runExperiment(name: string, o: ExperimentOptions): Promise<ExperimentResult> {
  const preset = getPreset(name);
  const seeds = o.seeds ?? preset.scales[o.scale].seeds;
  if (!Number.isInteger(seeds) || seeds < 1)
    throw new UsageError(`--seeds ${seeds}: must be a positive integer`);
  const jobs = o.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs ${jobs}: must be a positive integer`);
  const log = o.log ?? (() => {});
  const specs = preset.runs(o.scale, seeds);
  const old = readManifest(o.out);
  if (old) checkSameExperiment(old, preset, o.scale, o.out);
  const dataset = old?.dataset ?? (await datasetLabel(specs, o.dataDir));
  // Rerunning with more seeds extends the experiment; runs of seeds beyond --seeds stay in the manifest.
  const known = new Set(specs.map((s) => s.id));
  const runs = [...specs, ...(old?.runs ?? []).filter((r) => !known.has(r.id))];
  const manifest = buildManifest(
    preset,
    o.scale,
    Math.max(seeds, old?.seeds ?? 0),
    dataset,
    runs,
    old?.createdAt,
  );
  mkdirSync(o.out, { recursive: true });
  writeJsonAtomic(join(o.out, 'manifest.json'), manifest);
  const todo = specs.filter((s) => !isFinished(o.out, s.id));
  const skipped = specs.filter((s) => isFinished(o.out, s.id)).map((s) => s.id);
  log(
    `${preset.name} at scale ${o.scale}, ${seeds} seed${seeds > 1 ? 's' : ''}, ${dataset}: ${specs.length} runs, ${skipped.length} already finished; results in ${o.out}`,
  );
  const extra =
    jobs > 1
      ? {
          threads: Math.max(1, Math.floor(availableParallelism() / jobs)),
          workers: Math.max(1, Math.floor(availableParallelism() / jobs)),
        }
      : {};
  const done = new Map<string, Promise<void>>();
  const ran: string[] = [];
  let next = 0,
    count = skipped.length;
  let interrupted = false;
  const worker = async (): Promise<void> => {
    while (next < todo.length && !o.signal?.aborted) {
      const spec = todo[next++]!;
      const task = (async () => {
        if (spec.kind === 'train' && spec.corrFrom !== undefined) await done.get(spec.corrFrom);
        const dir = runDir(o.out, spec.id);
        const unfinished = !existsSync(dir)
          ? ''
          : existsSync(join(dir, CHECKPOINT_FILE))
            ? ': unfinished before, continuing from its checkpoint'
            : ': unfinished before, running again';
        log(`[${++count}/${specs.length}] ${spec.id} (${spec.group}, seed ${spec.seed})${unfinished}`);
        const t0 = performance.now();
        const s = await runOne(spec, o, { ...extra });
        const seconds = (performance.now() - t0) / 1000;
        addComputeSeconds(o.out, spec.id, seconds);
        if (s.interrupted === true) {
          interrupted = true;
          log(`    ${spec.id} stopped at iteration ${s.iterations}; its checkpoint is written`);
          return;
        }
        const acc =
          typeof s.finalTestAccuracy === 'number'
            ? `, test accuracy ${(100 * s.finalTestAccuracy).toFixed(2)}%`
            : '';
        log(`    ${spec.id} done in ${seconds.toFixed(1)} s${acc}`);
        ran.push(spec.id);
      })();
      done.set(spec.id, task);
      await task;
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, todo.length)) }, worker));
  return { manifest, ran, skipped, interrupted: interrupted || ran.length + skipped.length < specs.length };
}

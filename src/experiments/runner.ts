// Runs an experiment: every run of the preset at a scale and seed count, each in <out>/runs/<id>,
// one after another (or a few at once with `jobs`); finished runs (summary.json) are skipped, so
// rerunning the same command continues an interrupted experiment where it stopped.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../data/index.ts';
import { parseTrainConfig, trainConfigSchema } from '../run/config.ts';
import { writeJsonAtomic } from '../run/reporters.ts';
import { train } from '../run/train.ts';
import { type Metrics, UsageError } from '../types.ts';
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
}

export interface ExperimentResult {
  readonly manifest: Manifest;
  readonly ran: string[];
  readonly skipped: string[];
}

export const runDir = (out: string, id: string): string => join(out, 'runs', id);
export const isFinished = (out: string, id: string): boolean =>
  existsSync(join(runDir(out, id), 'summary.json'));

function readSummary(out: string, id: string): Metrics {
  return JSON.parse(readFileSync(join(runDir(out, id), 'summary.json'), 'utf8')) as Metrics;
}

/** train() can continue from a checkpoint once src/run/config.ts has a boolean `resume` option. */
function resumeField(): Record<string, unknown> {
  const shape = (
    trainConfigSchema as unknown as {
      shape?: Record<string, { safeParse(v: unknown): { success: boolean } }>;
    }
  ).shape;
  return shape?.resume?.safeParse(true).success ? { resume: true } : {};
}

async function runTrain(
  spec: TrainRun,
  o: ExperimentOptions,
  dir: string,
  extra: Record<string, unknown>,
): Promise<Metrics> {
  const input: Record<string, unknown> = {
    ...spec.config,
    ...o.overrides,
    ...extra,
    seed: spec.seed,
    out: dir,
    ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }),
  };
  if (spec.corrFrom !== undefined) {
    const source = readSummary(o.out, spec.corrFrom);
    if (typeof source.meanCorr !== 'number' || !(source.meanCorr > 0))
      throw new Error(`run ${spec.id}: ${spec.corrFrom} has no positive mean correlation to target`);
    input.targetCorr = Math.min(1, source.meanCorr);
  }
  // Finished runs are skipped, so a run here is new or unfinished: an unfinished one starts over.
  return train(parseTrainConfig(input), {
    quiet: o.quiet ?? true,
    log: o.log ?? (() => {}),
    overwrite: true,
  });
}

async function runOne(spec: RunSpec, o: ExperimentOptions, extra: Record<string, unknown>): Promise<Metrics> {
  const dir = runDir(o.out, spec.id);
  if (spec.kind === 'train')
    return runTrain(spec, o, dir, existsSync(dir) ? { ...extra, ...resumeField() } : extra);
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
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const spec = todo[next++]!;
      const task = (async () => {
        if (spec.kind === 'train' && spec.corrFrom !== undefined) await done.get(spec.corrFrom);
        const unfinished = existsSync(runDir(o.out, spec.id));
        log(
          `[${++count}/${specs.length}] ${spec.id} (${spec.group}, seed ${spec.seed})${unfinished ? ': unfinished before, running again' : ''}`,
        );
        const t0 = performance.now();
        const s = await runOne(spec, o, { ...extra });
        const acc =
          typeof s.finalTestAccuracy === 'number'
            ? `, test accuracy ${(100 * s.finalTestAccuracy).toFixed(2)}%`
            : '';
        log(`    ${spec.id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s${acc}`);
        ran.push(spec.id);
      })();
      done.set(spec.id, task);
      await task;
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, todo.length)) }, worker));
  return { manifest, ran, skipped };
}

// `esgrad corr population --task NAME` as a run: θ0 of the task's policy or a saved policy.json, its
// filter, the run's evaluator and noise table in; ρ against offspring count to population.json / .csv.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Aggregator } from '../aggregate/index.ts';
import { type PopulationRow, rolloutPopulation } from '../analysis/rollout-population.ts';
import { identityFilter, type ObsFilter } from '../env/obs-filter.ts';
import { initPolicy, policyParamCount } from '../env/policy.ts';
import { prepareTask } from '../env/tasks.ts';
import { type EsTask, init } from '../es/index.ts';
import { evaluationSettings } from '../evaluate/evaluator.ts';
import { runNoiseTable } from '../evaluate/factory.ts';
import { rolloutPolicySpec } from '../evaluate/rollout.ts';
import { UsageError } from '../types.ts';
import { generationRecords, rolloutEvaluator, rolloutSettings } from './control.ts';
import type { SavedPolicy } from './control-checkpoint.ts';
import { type ControlConfig, controlEsSettings } from './control-config.ts';
import { csvText } from './csv.ts';

export interface ControlPopulationOptions {
  /** Offspring of the reference estimate. */
  readonly reference: number;
  /** Offspring counts of the estimates. */
  readonly sizes: readonly number[];
  readonly repeats: number;
  /** A policy.json of a control run (θ and filter); default θ0 of the config's seed, identity filter. */
  readonly policy?: string | undefined;
  readonly log?: (msg: string) => void;
}

export interface ControlPopulationResult {
  readonly task: string;
  readonly policy: string;
  readonly parameters: number;
  readonly sigma: number;
  readonly fitness: string;
  readonly reference: number;
  readonly repeats: number;
  readonly signalToNoise: number;
  readonly rows: PopulationRow[];
  readonly timesteps: number;
  readonly seconds: number;
  readonly timestepsPerSecond: number;
  readonly evaluator: string;
}

function checkEvenCounts(o: ControlPopulationOptions): void {
  for (const [what, n] of [
    ['--reference', o.reference],
    ...o.sizes.map((s) => ['--sizes', s] as const),
  ] as const)
    if (!(Number.isInteger(n) && n >= 4 && n % 2 === 0))
      throw new UsageError(`${what} ${n}: offspring counts must be even integers >= 4 (mirrored pairs)`);
  if (!(Number.isInteger(o.repeats) && o.repeats >= 1))
    throw new UsageError(`--repeats ${o.repeats}: must be a positive integer`);
}

function loadPolicy(
  path: string,
  config: ControlConfig,
  P: number,
): { thetaP: Float32Array; filter: ObsFilter } {
  let saved: SavedPolicy;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as SavedPolicy;
  } catch (e) {
    throw new UsageError(`--policy ${path}: cannot read it (${e instanceof Error ? e.message : String(e)})`);
  }
  if (saved.task !== config.task)
    throw new UsageError(`--policy ${path}: a policy of task ${saved.task}, not ${config.task}`);
  if (JSON.stringify(saved.hidden) !== JSON.stringify(config.hidden))
    throw new UsageError(
      `--policy ${path}: hidden layers ${saved.hidden.join(',')}; pass --hidden ${saved.hidden.join(',')}`,
    );
  if (!Array.isArray(saved.thetaP) || saved.thetaP.length !== P)
    throw new UsageError(`--policy ${path}: ${saved.thetaP?.length} parameters, the policy has ${P}`);
  return {
    thetaP: Float32Array.from(saved.thetaP),
    filter: { meanO: Float64Array.from(saved.obsMean), stdO: Float64Array.from(saved.obsStd) },
  };
}

/** Runs the analysis at θ with the config's ES settings, episodes and evaluator; writes into config.out. */
export async function controlPopulation(
  config: ControlConfig,
  o: ControlPopulationOptions,
): Promise<ControlPopulationResult> {
  const log = o.log ?? (() => {});
  checkEvenCounts(o);
  if (!config.mirrored) throw new UsageError('corr population --task: needs mirrored sampling');
  if (config.evaluator === 'redis')
    throw new UsageError(
      'corr population --task: --evaluator threads or local (Redis rollouts are for esgrad train)',
    );
  await prepareTask(config.task);
  const settings = rolloutSettings(config, 0); // θ and the filter stay fixed: the analysis measures, it does not train
  const spec = rolloutPolicySpec(settings);
  const P = policyParamCount(spec);
  const at =
    o.policy === undefined
      ? { thetaP: initPolicy(spec, config.seed), filter: identityFilter(spec.observationSize) }
      : loadPolicy(o.policy, config, P);
  const state = init(controlEsSettings(config), at.thetaP);
  const capacity = Math.max(o.reference, ...o.sizes);
  const threads = config.evaluator === 'threads';
  const noiseTable = runNoiseTable(state.config.seed, state.config.noiseTableSize, threads);
  const aggregator = new Aggregator(noiseTable, config.threads ? { threads: config.threads } : {});
  const evaluation = evaluationSettings(state.config);
  const evaluator = rolloutEvaluator(config, settings, noiseTable, evaluation, P, capacity, { log });
  evaluator.setObsFilter(at.filter);
  const policyLabel = o.policy ?? `θ0 (seed ${config.seed})`;
  log(
    `corr population on ${config.task} at ${policyLabel}: ${P} parameters, σ ${config.sigma}, ${config.fitness}, reference ${o.reference} offspring, N ${o.sizes.join(', ')}, ${o.repeats} repeats`,
  );
  let timesteps = 0;
  const started = performance.now();
  const evaluate = async (tasks: readonly EsTask[]): Promise<Float64Array> => {
    const t0 = performance.now();
    const rewards = await evaluator.evaluate(state.thetaP, state.config.sigma, tasks);
    const steps = generationRecords(evaluator.recordsNR, tasks.length, spec.observationSize).steps;
    timesteps += steps;
    const s = (performance.now() - t0) / 1000;
    log(
      `  ${tasks.length} offspring: ${steps} steps in ${s.toFixed(1)} s (${Math.round(steps / s)} steps/s)`,
    );
    return rewards;
  };
  try {
    const { rows, signalToNoise } = await rolloutPopulation({
      state,
      evaluate,
      aggregator,
      reference: o.reference,
      sizes: o.sizes,
      repeats: o.repeats,
      onReference: ({ signalToNoise }) =>
        log(`  reference: signal-to-noise per pair ${signalToNoise.toExponential(3)}`),
      onRepeat: (r, corrs) => log(`  repeat ${r + 1}: ρ ${corrs.map((c) => c.toFixed(3)).join(' ')}`),
    });
    const seconds = (performance.now() - started) / 1000;
    const result: ControlPopulationResult = {
      task: config.task,
      policy: policyLabel,
      parameters: P,
      sigma: config.sigma,
      fitness: config.fitness,
      reference: o.reference,
      repeats: o.repeats,
      signalToNoise,
      rows,
      timesteps,
      seconds,
      timestepsPerSecond: timesteps / seconds,
      evaluator: config.evaluator,
    };
    if (config.out !== undefined) writeResult(config.out, config, result);
    return result;
  } finally {
    await evaluator.close();
    await aggregator.close();
  }
}

function writeResult(out: string, config: ControlConfig, result: ControlPopulationResult): void {
  mkdirSync(out, { recursive: true });
  const { out: _, ...settings } = config;
  writeFileSync(
    join(out, 'population.json'),
    `${JSON.stringify({ ...result, config: settings }, null, 2)}\n`,
  );
  const records = result.rows.map((r) => ({
    offspring: r.offspring,
    corrMean: r.mean,
    corrStd: r.std,
    predicted: r.predicted,
    predictedTrue: r.predictedTrue,
    linearTheory: r.linear,
    zeroEstimates: r.zeroEstimates,
    ...Object.fromEntries(r.corrs.map((c, i) => [`corr${i + 1}`, c])),
  }));
  writeFileSync(join(out, 'population.csv'), csvText(Object.keys(records[0] ?? {}), records));
}

export const defaultPopulationDir = (c: ControlConfig, policy: string | undefined): string =>
  join(
    'runs',
    `population-${basename(c.task, '.json')}-${policy === undefined ? 'theta0' : 'policy'}-s${c.seed}`,
  );

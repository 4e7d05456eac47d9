// The correlation-vs-population search as a run (`esgrad corr population`, the population-search
// experiment): config, data, network and ES resources in; ρ per chunk to metrics.jsonl, summary out.
import { join } from 'node:path';
import { expectedCorrelation, populationSearch } from '../analysis/population-search.ts';
import { gradientOf } from '../backend/model.ts';
import { openModel } from '../backend/source.ts';
import { type EsResources, esResources } from '../evaluate/factory.ts';
import type { Metrics } from '../types.ts';
import { parseTrainConfig } from './config.ts';
import { checkModelFitsData, modelLabel, modelSource } from './model.ts';
import type { Reporter } from './reporter.ts';
import { fileReporter, progressReporter } from './reporters.ts';
import { loadTrainingData } from './train.ts';

export interface PopulationRunOptions {
  /** Stop when ρ reaches this. */
  readonly target: number;
  /** Offspring per chunk (even); ρ is re-estimated after each. */
  readonly chunk: number;
  /** Stop after this many offspring at the latest. */
  readonly cap: number;
  /** Run directory for metrics.jsonl and summary.json (default runs/population-<model>-s<seed>). */
  readonly out?: string | undefined;
  /** A progress bar over the chunks on stderr. */
  readonly progress?: boolean;
  readonly log?: (msg: string) => void;
}

/** summary.json: the setting, the offspring count that reached the target (null: the cap came first), the last ρ. */
export interface PopulationSummary extends Metrics {
  model: string;
  params: number;
  dataset: string;
  seed: number;
  target: number;
  chunk: number;
  cap: number;
  reached: number | null;
  offspring: number;
  corr: number | null;
}

/** Runs the search at θ0 of `input` (a TrainConfig's fields; algo is es), writing into the run directory. */
export async function runPopulationSearch(
  input: Record<string, unknown>,
  o: PopulationRunOptions,
): Promise<PopulationSummary> {
  const { target, chunk, cap } = o;
  const log = o.log ?? (() => {});
  const config = parseTrainConfig({ ...input, algo: 'es' });
  const source = modelSource(config.model, config.loss);
  const data = await loadTrainingData(config, log);
  const net = openModel(source, { threads: config.threads });
  checkModelFitsData(net, data);
  const dir = o.out ?? join('runs', `population-${modelLabel(config.model)}-s${config.seed}`);
  const reporters: Reporter[] = [];
  let resources: EsResources | undefined;
  try {
    gradientOf(net, 'the population search (ρ against backprop)');
    resources = esResources(config, net, source, data);
    reporters.push(fileReporter(dir));
    if (o.progress) reporters.push(progressReporter(Math.ceil(cap / chunk), 'chunks'));
    log(
      `population search on ${config.model} (${net.size.toLocaleString('en-US')} parameters), ${data.label}: target ρ ${(100 * target).toFixed(1)}%, chunks of ${chunk}, cap ${cap}; results in ${dir}`,
    );
    const thetaP = net.initialTheta(config.seed);
    const { points, reached } = await populationSearch({
      net,
      evaluator: resources.evaluator,
      aggregator: resources.aggregator,
      data: resources.taskData,
      thetaP,
      sigma: config.sigma,
      target,
      chunk,
      cap,
      onChunk: (p) => {
        const m = {
          iter: p.offspring / chunk,
          offspring: p.offspring,
          corr: p.corr,
          theory: expectedCorrelation(p.offspring, net.size),
        };
        for (const r of reporters) r.onIteration(m, thetaP); // θ stays θ0: the search measures, it does not train
      },
    });
    const last = points.at(-1);
    const summary: PopulationSummary = {
      model: config.model,
      params: net.size,
      dataset: data.label,
      seed: config.seed,
      target,
      chunk,
      cap,
      reached,
      offspring: last?.offspring ?? 0,
      corr: last?.corr ?? null,
    };
    for (const r of reporters) r.onEnd?.(summary);
    return summary;
  } finally {
    for (const r of reporters) r.close?.();
    await resources?.close();
    await net.close();
  }
}

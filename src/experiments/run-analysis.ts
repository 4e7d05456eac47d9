// The two experiment runs that are not training jobs: the correlation-vs-population search at θ0
// (src/analysis) and one timing of the master's aggregation (bench/aggregate.ts), each into its run directory.

import { join } from 'node:path';
import { expectedCorrelation, populationSearch } from '../analysis/population-search.ts';
import { Network } from '../backend/network.ts';
import { esResources } from '../evaluate/factory.ts';
import { initParams } from '../model/init.ts';
import { parseTrainConfig } from '../run/config.ts';
import { fileReporter, writeJsonAtomic } from '../run/reporters.ts';
import { loadTrainingData } from '../run/train.ts';
import type { Metrics } from '../types.ts';
import type { PopulationRun, TimingRun } from './types.ts';

/** ρ per chunk in metrics.jsonl; summary.json with the offspring count that reached the target (or null). */
export async function runPopulation(
  spec: PopulationRun,
  input: Record<string, unknown>,
  dir: string,
): Promise<Metrics> {
  const config = parseTrainConfig({ ...input, algo: 'es' });
  const data = await loadTrainingData(config, () => {});
  const net = Network.byName(config.model, { threads: config.threads });
  const { noiseTable, taskData, evaluator } = esResources(config, net, data);
  const reporter = fileReporter(dir);
  try {
    const { points, reached } = await populationSearch({
      net,
      evaluator,
      noiseTable,
      data: taskData,
      thetaP: initParams(net.layout, config.seed),
      sigma: config.sigma,
      target: spec.target,
      chunk: spec.chunk,
      cap: spec.cap,
      onChunk: (p) =>
        reporter.onIteration({
          iter: p.offspring / spec.chunk,
          offspring: p.offspring,
          corr: p.corr,
          theory: expectedCorrelation(p.offspring, net.size),
        }),
    });
    const last = points.at(-1);
    const summary: Metrics = {
      model: config.model,
      params: net.size,
      dataset: data.label,
      seed: config.seed,
      target: spec.target,
      chunk: spec.chunk,
      cap: spec.cap,
      reached,
      offspring: last?.offspring ?? 0,
      corr: last?.corr ?? null,
    };
    reporter.onEnd?.(summary);
    return summary;
  } finally {
    await evaluator.close();
    await net.close();
  }
}

/** bench/aggregate.ts's result as summary.json (seconds: median of the timed repeats). */
export async function runTiming(spec: TimingRun, dir: string, threads?: number): Promise<Metrics> {
  const { benchAggregate } = await import('../../bench/aggregate.ts');
  const r = await benchAggregate({
    population: spec.population,
    params: spec.params,
    limited: spec.limited,
    bucketSize: spec.bucketSize,
    repeats: spec.repeats,
    mirrored: true,
    ...(spec.tableSize === undefined ? {} : { tableSize: spec.tableSize }),
    ...(threads === undefined ? {} : { threads }),
  });
  const summary: Metrics = {
    population: spec.population,
    params: spec.params,
    limited: spec.limited,
    bucketSize: spec.bucketSize,
    ...r,
  };
  writeJsonAtomic(join(dir, 'summary.json'), summary);
  return summary;
}

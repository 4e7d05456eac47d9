// The two experiment runs that are not training jobs: the correlation-vs-population search at θ0
// (run/population.ts) and one timing of the master's aggregation (aggregate/timing.ts), each into its run dir.

import { join } from 'node:path';
import { timeAggregation } from '../aggregate/index.ts';
import { runPopulationSearch } from '../run/population.ts';
import { writeJsonAtomic } from '../run/reporters.ts';
import type { Metrics } from '../types.ts';
import type { PopulationRun, TimingRun } from './types.ts';

/** ρ per chunk in metrics.jsonl; summary.json with the offspring count that reached the target (or null). */
export function runPopulation(
  spec: PopulationRun,
  input: Record<string, unknown>,
  dir: string,
): Promise<Metrics> {
  return runPopulationSearch(input, { target: spec.target, chunk: spec.chunk, cap: spec.cap, out: dir });
}

/** timeAggregation's result as summary.json (seconds: median of the timed repeats). */
export async function runTiming(spec: TimingRun, dir: string, threads?: number): Promise<Metrics> {
  const r = await timeAggregation({
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

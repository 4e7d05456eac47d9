// The shapes of an experiment: scales, the runs a preset asks for (training, population search,
// aggregation timing), the manifest written beside them, and what a preset's report returns.
import type { Metrics } from '../types.ts';

export const SCALES = ['smoke', 'small', 'paper'] as const;
export type Scale = (typeof SCALES)[number];

interface RunBase {
  /** Directory name under <out>/runs/, e.g. "es-s0". */
  readonly id: string;
  /** The series this run belongs to in figures and tables, e.g. "ES", "ES proxy". */
  readonly group: string;
  readonly seed: number;
}

/** One `train()` job. `config` is TrainConfig input (validated by parseTrainConfig at run time). */
export interface TrainRun extends RunBase {
  readonly kind: 'train';
  readonly config: Readonly<Record<string, unknown>>;
  /** Proxy runs: targetCorr = the meanCorr of this earlier run (the ES run of the same seed). */
  readonly corrFrom?: string;
}

/** The correlation-vs-population search at θ0 of `config` (model, sigma, batch, seed). */
export interface PopulationRun extends RunBase {
  readonly kind: 'population';
  readonly config: Readonly<Record<string, unknown>>;
  readonly target: number;
  readonly chunk: number;
  readonly cap: number;
}

/** One timing of the master's gradient aggregation (bench/aggregate.ts). */
export interface TimingRun extends RunBase {
  readonly kind: 'timing';
  readonly population: number;
  readonly params: number;
  readonly limited: boolean;
  readonly bucketSize: number;
  readonly tableSize?: number;
  readonly repeats: number;
}

export type RunSpec = TrainRun | PopulationRun | TimingRun;

/** A finished or unfinished run as the report reads it back. */
export interface LoadedRun {
  readonly spec: RunSpec;
  readonly dir: string;
  /** summary.json (undefined while the run is unfinished). */
  readonly summary?: Metrics;
  /** metrics.jsonl, one record per line. */
  readonly metrics: readonly Metrics[];
}

export interface Manifest {
  readonly experiment: string;
  readonly title: string;
  readonly scale: Scale;
  readonly seeds: number;
  /** E.g. "MNIST (22,699 train)". */
  readonly dataset: string;
  readonly packageVersion: string;
  readonly gitCommit: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly platform: string;
    readonly node: string;
  };
  readonly createdAt: string;
  readonly runs: readonly RunSpec[];
}

export interface LoadedExperiment {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly runs: readonly LoadedRun[];
}

/** A table in the report: header row, body rows, and a caption under it. */
export interface Table {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly caption?: string;
}

/** What a preset's report contributes: figures (Vega-Lite specs), tables, and lines of text. */
export interface ReportSection {
  readonly figures: ReadonlyArray<{
    readonly name: string;
    readonly caption: string;
    readonly spec: Record<string, unknown>;
  }>;
  readonly tables: readonly Table[];
  readonly notes: readonly string[];
  /** Key numbers, ours beside the paper's, for summaries: [what, ours, paper]. */
  readonly key: ReadonlyArray<readonly [string, string, string]>;
}

export interface Preset {
  readonly name: string;
  readonly title: string;
  /** What the paper reports for this experiment. */
  readonly paper: string;
  /** Per scale: what it shrinks relative to the paper, and the default number of seeds. */
  readonly scales: Readonly<Record<Scale, { readonly doc: string; readonly seeds: number }>>;
  runs(scale: Scale, seeds: number): RunSpec[];
  report(exp: LoadedExperiment): ReportSection;
}

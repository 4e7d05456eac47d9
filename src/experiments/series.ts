// Reading results across seeds: the runs of a group, per-iteration median and 25th-75th percentile
// bands of a metric, final values from the summaries, and "mean ± std" text for tables.
import type { Metrics } from '../types.ts';
import { mean, quantile, std } from './stats.ts';
import type { LoadedExperiment, LoadedRun } from './types.ts';

/** The finished runs of `group`, by seed. */
export function groupRuns(exp: LoadedExperiment, group: string): LoadedRun[] {
  return exp.runs
    .filter((r) => r.spec.group === group && r.summary !== undefined)
    .sort((a, b) => a.spec.seed - b.spec.seed);
}

/** (x, value) points of a numeric metric of one run; x is `xKey` (default the iteration). */
export function points(metrics: readonly Metrics[], key: string, xKey = 'iter'): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const m of metrics) {
    const x = m[xKey],
      v = m[key];
    if (typeof x === 'number' && typeof v === 'number' && Number.isFinite(v)) out.push([x, v]);
  }
  return out;
}

export interface BandRow {
  readonly group: string;
  readonly x: number;
  readonly median: number;
  readonly q25: number;
  readonly q75: number;
  /** Runs with a value at x. */
  readonly n: number;
}

/**
 * Median and 25th/75th percentiles over runs at each x where every run has a value (runs that
 * stopped early would otherwise bend the band). `scale` multiplies values (e.g. 100 for %).
 */
export function band(
  group: string,
  runs: ReadonlyArray<Pick<LoadedRun, 'metrics'>>,
  key: string,
  scale = 1,
  xKey = 'iter',
): BandRow[] {
  if (runs.length === 0) return [];
  const byX = new Map<number, number[]>();
  for (const r of runs)
    for (const [x, v] of points(r.metrics, key, xKey)) byX.set(x, [...(byX.get(x) ?? []), v * scale]);
  return [...byX.entries()]
    .filter(([, vs]) => vs.length === runs.length)
    .sort((a, b) => a[0] - b[0])
    .map(([x, vs]) => ({
      group,
      x,
      median: quantile(vs, 0.5),
      q25: quantile(vs, 0.25),
      q75: quantile(vs, 0.75),
      n: vs.length,
    }));
}

/** A numeric summary field of each run (NaN where missing). */
export function finals(runs: readonly LoadedRun[], key: string): number[] {
  return runs.map((r) => (typeof r.summary?.[key] === 'number' ? (r.summary[key] as number) : NaN));
}

/** The mean over the run of a per-iteration metric, per run. */
export function runMeans(runs: readonly LoadedRun[], key: string): number[] {
  return runs.map((r) => mean(points(r.metrics, key).map(([, v]) => v)));
}

/** "98.69% ± 0.10%" (pct) or "274,000 ± 3,000"; "n/a" without values; no ± for one value. */
export function meanStd(xs: readonly number[], opts: { pct?: boolean; digits?: number } = {}): string {
  const v = xs.filter(Number.isFinite);
  if (v.length === 0) return 'n/a';
  const f = (x: number): string =>
    opts.pct
      ? `${(100 * x).toFixed(opts.digits ?? 2)}%`
      : x.toLocaleString('en-US', { maximumFractionDigits: opts.digits ?? 0 });
  return v.length === 1 ? f(v[0]!) : `${f(mean(v))} ± ${f(std(v))}`;
}

export const pct = (x: number, digits = 2): string =>
  Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : 'n/a';

/** Successive differences of a run's metric (e.g. accuracy changes between evaluations). */
export function diffs(pts: ReadonlyArray<readonly [number, number]>): number[] {
  return pts.slice(1).map(([, v], i) => v - pts[i]![1]);
}

/** Trailing moving average over k points of each band row's median and quartiles, per group (noisy per-iteration metrics). */
export function smooth(rows: readonly BandRow[], k: number): BandRow[] {
  if (k <= 1) return [...rows];
  const out: BandRow[] = [];
  for (const g of new Set(rows.map((r) => r.group))) {
    const rs = rows.filter((r) => r.group === g);
    rs.forEach((r, i) => {
      const w = rs.slice(Math.max(0, i - k + 1), i + 1),
        avg = (f: (x: BandRow) => number): number => w.reduce((a, x) => a + f(x), 0) / w.length;
      out.push({ ...r, median: avg((x) => x.median), q25: avg((x) => x.q25), q75: avg((x) => x.q75) });
    });
  }
  return out;
}

/** At most about `max` rows per group, evenly spaced, the last always kept (long runs in small SVGs). */
export function thin(rows: readonly BandRow[], max: number): BandRow[] {
  const out: BandRow[] = [];
  for (const g of new Set(rows.map((r) => r.group))) {
    const rs = rows.filter((r) => r.group === g),
      step = Math.max(1, Math.ceil(rs.length / max));
    out.push(...rs.filter((_, i) => i % step === 0 || i === rs.length - 1));
  }
  return out;
}

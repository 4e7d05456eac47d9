// Building blocks of the presets' reports: accuracy and correlation figures over seeds, final-accuracy
// tables with the paper's numbers beside ours, and Wilcoxon comparisons between two groups of runs.
import { type BandChart, bandChart } from './plots.ts';
import { band, finals, groupRuns, meanStd, runMeans, smooth } from './series.ts';
import { formatTest, rankSum, signedRank, type TestResult } from './stats.ts';
import type { LoadedExperiment, ReportSection, Table } from './types.ts';

type Figure = ReportSection['figures'][number];

/** Median validation (full test set) accuracy in % over seeds, 25th-75th percentile band, per group. */
export function accuracyFigure(
  exp: LoadedExperiment,
  name: string,
  title: string,
  caption: string,
  groups: readonly string[],
  extra: Partial<BandChart> = {},
): Figure {
  const rows = groups.flatMap((g) => band(g, groupRuns(exp, g), 'testAccuracy', 100));
  return {
    name,
    caption,
    spec: bandChart({ title, rows, xTitle: 'iteration', yTitle: 'validation accuracy (%)', ...extra }),
  };
}

/** Median gradient correlation ρ in % over iterations (the metric `key`: corr, or sgdVsSgdCorr). */
export function corrFigure(
  exp: LoadedExperiment,
  name: string,
  title: string,
  caption: string,
  groups: readonly string[],
  extra: Partial<BandChart> = {},
  smoothOver = 1,
  key = 'corr',
): Figure {
  const rows = smooth(
    groups.flatMap((g) => band(g, groupRuns(exp, g), key, 100)),
    smoothOver,
  );
  // From zero, as the paper plots it: the level and its stability read at a glance.
  const top = Math.max(1, ...rows.map((r) => r.q75), ...(extra.rules ?? []).map((r) => r.y));
  const bottom = Math.min(0, ...rows.map((r) => r.q25));
  return {
    name,
    caption,
    spec: bandChart({
      title,
      rows,
      xTitle: 'iteration',
      yTitle: 'gradient correlation ρ (%)',
      yDomain: [Math.floor(bottom), Math.ceil(top * 1.25)],
      ...extra,
    }),
  };
}

/** Final validation accuracy per group (mean ± std over seeds) beside the paper's value. */
export function accuracyTable(
  exp: LoadedExperiment,
  title: string,
  rows: ReadonlyArray<readonly [group: string, paper: string]>,
  caption?: string,
): Table {
  return {
    title,
    header: [
      'run',
      'seeds',
      'iterations',
      'final validation accuracy (mean ± std)',
      'best (mean ± std)',
      'paper',
    ],
    rows: rows.map(([g, paper]) => {
      const runs = groupRuns(exp, g);
      const iters = [...new Set(finals(runs, 'iterations'))].join(', ') || 'n/a';
      return [
        g,
        String(runs.length),
        iters,
        meanStd(finals(runs, 'finalTestAccuracy'), { pct: true }),
        meanStd(finals(runs, 'bestTestAccuracy'), { pct: true }),
        paper,
      ];
    }),
    ...(caption === undefined ? {} : { caption }),
  };
}

/** Mean over iterations of the logged ρ (`key`), per run, as mean ± std over seeds. */
export function meanCorrText(exp: LoadedExperiment, group: string, key = 'corr'): string {
  return meanStd(runMeans(groupRuns(exp, group), key), { pct: true });
}

/**
 * Wilcoxon test of the final accuracies of groups a and b: rank-sum (independent runs) or
 * signed-rank (paired by seed: same θ0, same mini-batch sequence). Null with fewer than 2 runs each.
 */
export function compareFinals(
  exp: LoadedExperiment,
  a: string,
  b: string,
  kind: 'rank-sum' | 'signed-rank',
  key = 'finalTestAccuracy',
): TestResult | null {
  const ra = groupRuns(exp, a),
    rb = groupRuns(exp, b);
  if (kind === 'signed-rank') {
    const seeds = ra.map((r) => r.spec.seed).filter((s) => rb.some((r) => r.spec.seed === s));
    if (seeds.length < 2) return null;
    const pick = (runs: typeof ra): number[] =>
      seeds.map(
        (s) =>
          finals(
            runs.filter((r) => r.spec.seed === s),
            key,
          )[0]!,
      );
    return signedRank(pick(ra), pick(rb));
  }
  if (ra.length < 2 || rb.length < 2) return null;
  return rankSum(finals(ra, key), finals(rb, key));
}

/** A table of tests: comparison, test, p-value, the paper's result. */
export function testsTable(
  rows: ReadonlyArray<readonly [comparison: string, result: TestResult | null, paper: string]>,
): Table {
  return {
    title: 'Statistical tests (final validation accuracy)',
    header: ['comparison', 'test', 'p-value', 'paper'],
    rows: rows.map(([c, t, paper]) => [
      c,
      t ? `${t.test}, ${t.method}, statistic ${t.statistic}` : 'needs ≥ 2 runs per group',
      t ? fmtP(t.pValue) : 'n/a',
      paper,
    ]),
  };
}

export const fmtP = (p: number): string => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));
export { formatTest };

/** The last evaluation window of a run group, for figure insets: two windows at 25-35% and 80-90% of the run. */
export function insetWindows(exp: LoadedExperiment, group: string): Array<[number, number]> {
  const iters = Math.max(0, ...finals(groupRuns(exp, group), 'iterations').filter(Number.isFinite));
  if (iters < 10) return [];
  const w = (a: number, b: number): [number, number] => [Math.round(iters * a), Math.round(iters * b)];
  return [w(0.25, 0.35), w(0.8, 0.9)];
}

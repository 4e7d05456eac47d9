// Statistics of an experiment over seeds: quantiles (median, 25th/75th percentiles), mean ± std, and
// the Wilcoxon tests the paper uses: signed-rank (paired, @stdlib) and rank-sum (Mann-Whitney U).

import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import wilcoxon from '@stdlib/stats-wilcoxon';

/** Quantile q ∈ [0, 1] with linear interpolation between order statistics (R type 7, numpy's default). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q,
    lo = Math.floor(h),
    hi = Math.ceil(h);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Sample standard deviation (n − 1); 0 for a single value, NaN for none. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return xs.length ? 0 : NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export interface TestResult {
  /** 'Wilcoxon signed-rank (paired)' or 'Wilcoxon rank-sum (Mann-Whitney U)', exact or normal approx. */
  readonly test: string;
  /** W+ (signed-rank) or U of the first sample (rank-sum). */
  readonly statistic: number;
  /** Two-sided p-value. */
  readonly pValue: number;
  readonly method: 'exact' | 'normal approximation';
}

/** Paired two-sided Wilcoxon signed-rank test of x − y (@stdlib: exact for n < 50 without ties). */
export function signedRank(x: readonly number[], y: readonly number[]): TestResult {
  if (x.length !== y.length)
    throw new RangeError(`signedRank: paired samples differ in length (${x.length} vs ${y.length})`);
  const d = x.map((v, i) => v - y[i]!).filter((v) => v !== 0);
  const test = 'Wilcoxon signed-rank (paired, two-sided)';
  if (d.length === 0) return { test, statistic: 0, pValue: 1, method: 'exact' };
  const ties = new Set(d.map(Math.abs)).size < d.length;
  const r = wilcoxon(x.slice(), y.slice(), { alternative: 'two-sided' });
  return {
    test,
    statistic: r.statistic,
    pValue: Math.min(1, r.pValue),
    method: d.length < 50 && !ties ? 'exact' : 'normal approximation',
  };
}

/** Average ranks (1-based) of `xs`, ties sharing the mean of their positions; plus Σ(t³ − t) over tie groups. */
export function ranks(xs: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = xs.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  let tieTerm = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const t = j - i + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  return { ranks: out, tieTerm };
}

/** Counts of U = 0..n1·n2 over all C(n1+n2, n1) arrangements (no ties), by the usual recursion. */
function uCounts(n1: number, n2: number): number[] {
  // f[m][n][u]: arrangements of m and n items with U = u; built bottom-up over n with rolling rows.
  let prev: number[][] = Array.from({ length: n1 + 1 }, () => [1]); // n = 0: U = 0 only
  for (let n = 1; n <= n2; n++) {
    const cur: number[][] = [[1]]; // m = 0
    for (let m = 1; m <= n1; m++) {
      // The largest item belongs to sample 1 (adds n to U) or to sample 2.
      const a = prev[m]!,
        b = cur[m - 1]!;
      const row = new Array<number>(m * n + 1).fill(0);
      for (let u = 0; u < a.length; u++) row[u]! += a[u]!;
      for (let u = 0; u < b.length; u++) row[u + n]! += b[u]!;
      cur.push(row);
    }
    prev = cur;
  }
  return prev[n1]!;
}

/**
 * Two-sided Wilcoxon rank-sum test (Mann-Whitney U) of two independent samples. Exact (the
 * permutation distribution of U) when there are no ties and n1·n2 ≤ 2,500, as R's wilcox.test and
 * SciPy do; otherwise the normal approximation with tie correction and continuity correction.
 */
export function rankSum(x: readonly number[], y: readonly number[]): TestResult {
  const n1 = x.length,
    n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('rankSum: both samples need at least one value');
  const test = 'Wilcoxon rank-sum (Mann-Whitney U, two-sided)';
  const { ranks: r, tieTerm } = ranks([...x, ...y]);
  const r1 = r.slice(0, n1).reduce((a, b) => a + b, 0);
  const U = r1 - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  if (tieTerm === 0 && n1 * n2 <= 2500) {
    const counts = uCounts(n1, n2);
    const total = counts.reduce((a, b) => a + b, 0);
    const k = Math.min(U, n1 * n2 - U); // the distribution is symmetric
    let tail = 0;
    for (let u = 0; u <= k; u++) tail += counts[u]!;
    return { test, statistic: U, pValue: Math.min(1, (2 * tail) / total), method: 'exact' };
  }
  const N = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1))));
  if (sigma === 0) return { test, statistic: U, pValue: 1, method: 'normal approximation' };
  const z = (Math.abs(U - mu) - 0.5) / sigma;
  return {
    test,
    statistic: U,
    pValue: Math.min(1, 2 * (1 - normalCdf(Math.max(0, z), 0, 1))),
    method: 'normal approximation',
  };
}

/** "p = 0.032 (exact)" style text. */
export function formatTest(t: TestResult): string {
  const p = t.pValue < 0.001 ? t.pValue.toExponential(1) : t.pValue.toFixed(3);
  return `${t.test}: p = ${p} (${t.method}; statistic ${t.statistic})`;
}

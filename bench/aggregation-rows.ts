// The aggregation rows of `esgrad bench`: the paper's three cases (its master took 90 s for full and
// 1.4 s for limited), timed as training runs them (timeAggregation), beside aggregateDirect's estimate.
import { timeAggregation } from '../src/aggregate/index.ts';
import type { BenchRow } from './table.ts';

const CASES = [
  { population: 10_000, params: 3_274_634, mirrored: true, paper: 'paper 90 s' },
  { population: 10_000, params: 28_938, mirrored: true, paper: '' },
  { population: 50_000, params: 3_274_634, limited: true, bucketSize: 5000, paper: 'paper 1.4 s' },
] as const;

export async function benchAggregationRows(quick: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const c of CASES) {
    const r = await timeAggregation({ ...c, repeats: quick ? 2 : 7 });
    const macs = c.population * ('limited' in c ? c.bucketSize : c.params);
    const direct =
      r.directEstimateSeconds === undefined ? '' : `, direct ~${r.directEstimateSeconds.toFixed(1)} s`;
    rows.push({
      section: 'aggregate',
      name: `${c.population / 1000}k x ${'limited' in c ? '5,000 (limited)' : c.params.toLocaleString('en-US')}`,
      seconds: r.seconds,
      gflops: (2 * macs) / r.seconds / 1e9,
      note: `${r.method}, ${r.threads} threads, setup once ${r.setupSeconds.toFixed(2)} s${direct}${c.paper ? `; ${c.paper}` : ''}; GFLOP/s = direct-sum equivalent`,
    });
  }
  return rows;
}

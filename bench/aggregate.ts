// The aggregation table of bench/FINDINGS.md: the paper's cases with their errors against a float64
// sum, then the FFT time against the table length (node --import tsx bench/aggregate.ts [CASE]).
import { Aggregator, type TimingOptions, timeAggregation } from '../src/aggregate/index.ts';
import { createNoiseTable } from '../src/rng/noise-table.ts';

const fmt = (s: number): string => (s < 0.01 ? `${(s * 1e3).toFixed(2)} ms` : `${s.toFixed(3)} s`);

/** The standard table: the paper's cases, then the FFT time against the table length. */
async function main(): Promise<void> {
  const only = process.argv[2];
  const cases: Array<[string, TimingOptions]> = [
    [
      '10k x 3,274,634 mirrored (5k offsets)',
      { population: 10_000, params: 3_274_634, mirrored: true, check: 300 },
    ],
    ['10k x 3,274,634 (10k offsets)', { population: 10_000, params: 3_274_634, check: 300 }],
    [
      '10k x 28,938 mirrored (5k offsets)',
      { population: 10_000, params: 28_938, mirrored: true, check: 300 },
    ],
    ['10k x 28,938 (10k offsets)', { population: 10_000, params: 28_938, check: 300 }],
    [
      'limited 50k x 5,000 (P 3,274,634)',
      { population: 50_000, params: 3_274_634, limited: true, bucketSize: 5000, check: 300 },
    ],
  ];
  process.stdout.write(
    'case | method | median | min | one-time setup | aggregateDirect (est.) | max err / sum|terms| | max err (ulps)\n',
  );
  const aggregator = new Aggregator(createNoiseTable(1, 2 ** 25)); // one table and spectrum for all cases
  for (const [name, o] of cases) {
    if (only && !name.includes(only)) continue;
    const r = await timeAggregation({ ...o, aggregator });
    process.stdout.write(
      `${name} | ${r.method} (${r.threads} thr) | ${fmt(r.seconds)} | ${fmt(r.min)} | ${fmt(r.setupSeconds)} | ${r.directEstimateSeconds === undefined ? '-' : fmt(r.directEstimateSeconds)} | ${r.maxErrorRelTerms?.toExponential(1) ?? '-'} | ${r.maxErrorUlps?.toFixed(2) ?? '-'}\n`,
    );
  }
  await aggregator.close();
  if (only && !'table'.includes(only)) return;
  process.stdout.write(
    '\nFFT, 10k offspring x 3,274,634 vs table length L | median (5k offsets) | median (10k offsets) | spectrum setup (once per table) | expected duplicate pairs / generation (5k / 10k offsets)\n',
  );
  for (const lg of [22, 23, 24, 25]) {
    const agg = new Aggregator(createNoiseTable(1, 2 ** lg));
    const base = { population: 10_000, params: 3_274_634, method: 'fft' as const, aggregator: agg };
    const m = await timeAggregation({ ...base, mirrored: true });
    const d = await timeAggregation(base);
    await agg.close();
    process.stdout.write(
      `2^${lg} | ${fmt(m.seconds)} | ${fmt(d.seconds)} | ${fmt(m.spectrumSetupSeconds ?? NaN)} | ${m.expectedDuplicatePairs.toFixed(2)} / ${d.expectedDuplicatePairs.toFixed(2)}\n`,
    );
  }
}

await main();

// Times one ES gradient aggregation (full or limited perturbation) with the fast methods of
// src/es/aggregate-fast.ts; run directly (node --import tsx bench/aggregate.ts) for the standard table.
import { pathToFileURL } from 'node:url';
import { aggregateDirect } from '../src/es/aggregate.ts';
import {
  aggregate,
  aggregateBuckets,
  chooseAggregateMethod,
  spectralPlan,
} from '../src/es/aggregate-fast.ts';
import { defaultThreads } from '../src/es/aggregate-pool.ts';
import { spectralLayout } from '../src/es/aggregate-spectral.ts';
import { createNoiseTable, DEFAULT_NOISE_TABLE_SIZE } from '../src/rng/noise-table.ts';
import { createRng, nextFloat, nextInt } from '../src/rng/prng.ts';

export interface AggregateBenchOptions {
  /** N: offspring (evaluations). */
  population: number;
  /** P: parameters. */
  params: number;
  /** Limited perturbation: each offspring perturbs one random bucket of <= bucketSize parameters. */
  limited?: boolean;
  bucketSize?: number;
  /** Noise table length (default 2^25). */
  tableSize?: number;
  /** Timed calls after the warm-up (median reported; default 5). */
  repeats?: number;
  /** Mirrored sampling: N/2 distinct offsets, each used with +w and -w' (default false: N distinct). */
  mirrored?: boolean;
  threads?: number;
  method?: 'auto' | 'fft' | 'blocked' | 'direct';
  /** Measure the error at `check` random parameters against a float64 sum (default 0: skip). */
  check?: number;
}

export interface AggregateBenchResult {
  /** Median seconds of one aggregation (caches warm). */
  seconds: number;
  min: number;
  max: number;
  method: string;
  /** One-time cost: first call minus the median (table copy to shared memory, FFT of the table, workers). */
  setupSeconds: number;
  /** 'fft': seconds it took to build the table's spectrum (when it was built, possibly by an earlier call). */
  spectrumSetupSeconds?: number;
  distinctOffsets: number;
  /** Expected pairs of equal offsets among the distinct draws: K(K-1)/2 / (L - P + 1) (full case). */
  expectedDuplicatePairs: number;
  tableSize: number;
  fftLength: number;
  threads: number;
  /** aggregateDirect's time extrapolated from a timed run on min(N, 64) offspring (full case only). */
  directEstimateSeconds?: number;
  /** max_j |g_j - exact_j| / sum_i |w_i eps_ij| over the checked parameters, and the largest error in float32 ulps of exact_j. */
  maxErrorRelTerms?: number;
  maxErrorUlps?: number;
}

const tables = new Map<number, Float32Array>();
function table(size: number): Float32Array {
  let t = tables.get(size);
  if (!t) {
    t = createNoiseTable(1, size);
    tables.set(size, t);
  }
  return t;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};
const now = (): number => performance.now() / 1e3;

export async function benchAggregate(opts: AggregateBenchOptions): Promise<AggregateBenchResult> {
  const N = opts.population,
    P = opts.params,
    L = opts.tableSize ?? DEFAULT_NOISE_TABLE_SIZE;
  const threads = opts.threads ?? defaultThreads(),
    repeats = opts.repeats ?? 5;
  const T = table(L),
    rng = createRng(N ^ P);
  const bucketSize = opts.bucketSize ?? 5000,
    B = Math.ceil(P / bucketSize);
  const starts = Array.from({ length: B }, (_, b) => b * bucketSize),
    sizes = starts.map((s) => Math.min(bucketSize, P - s));
  const bucketsN = opts.limited ? Array.from({ length: N }, () => nextInt(rng, B)) : [];
  const distinct = opts.mirrored && !opts.limited ? Math.ceil(N / 2) : N;
  const span = (i: number): number => L - (opts.limited ? sizes[bucketsN[i]!]! : P) + 1;
  const base = Array.from({ length: distinct }, (_, i) => nextInt(rng, span(i)));
  const offsetsN = Array.from({ length: N }, (_, i) => (distinct < N ? base[i >> 1]! : base[i]!));
  const weightsN = Float64Array.from({ length: N }, () => nextFloat(rng) * 2 - 1);
  const m = opts.method ?? 'auto';
  const run = (): Float32Array =>
    opts.limited
      ? aggregateBuckets(T, offsetsN, weightsN, bucketsN, starts, sizes, P, {
          threads,
          method: m === 'direct' ? 'direct' : 'blocked',
        })
      : aggregate(T, offsetsN, weightsN, P, { threads, method: m });
  const method = opts.limited
    ? m === 'direct'
      ? 'direct'
      : 'blocked (buckets)'
    : m === 'auto'
      ? chooseAggregateMethod(L, distinct, P)
      : m;
  let t0 = now();
  if (method === 'fft') spectralPlan(T, threads);
  let g = run();
  const firstCall = now() - t0;
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    t0 = now();
    g = run();
    samples.push(now() - t0);
  }
  const setupSeconds = Math.max(0, firstCall - median(samples));
  const result: AggregateBenchResult = {
    seconds: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    method,
    setupSeconds,
    distinctOffsets: distinct,
    expectedDuplicatePairs: opts.limited ? 0 : (distinct * (distinct - 1)) / 2 / (L - P + 1),
    tableSize: L,
    fftLength: spectralLayout(L).Lf,
    threads,
  };
  if (method === 'fft') result.spectrumSetupSeconds = spectralPlan(T, threads).setupSeconds;
  if (!opts.limited && method !== 'direct') {
    const n = Math.min(N, 64);
    aggregateDirect(T, offsetsN.slice(0, 4), weightsN.subarray(0, 4), Math.min(P, 50_000)); // JIT warm-up
    t0 = now();
    aggregateDirect(T, offsetsN.slice(0, n), weightsN.subarray(0, n), P);
    result.directEstimateSeconds = ((now() - t0) * N) / n;
  }
  if (opts.check)
    Object.assign(
      result,
      measureError(
        g,
        T,
        offsetsN,
        weightsN,
        opts.limited ? { bucketsN, starts, sizes } : undefined,
        P,
        opts.check,
      ),
    );
  return result;
}

/** Error of g at `count` random parameters against sums in float64 of the float32-rounded terms. */
function measureError(
  g: Float32Array,
  T: Float32Array,
  offsetsN: number[],
  weightsN: Float64Array,
  buckets: { bucketsN: number[]; starts: number[]; sizes: number[] } | undefined,
  P: number,
  count: number,
): { maxErrorRelTerms: number; maxErrorUlps: number } {
  const rng = createRng(99);
  let rel = 0,
    ulps = 0;
  for (let c = 0; c < count; c++) {
    const j = nextInt(rng, P);
    let sum = 0,
      abs = 0;
    for (let i = 0; i < offsetsN.length; i++) {
      let k = j;
      if (buckets) {
        const b = buckets.bucketsN[i]!;
        if (j < buckets.starts[b]! || j >= buckets.starts[b]! + buckets.sizes[b]!) continue;
        k = j - buckets.starts[b]!;
      }
      const v = Math.fround(weightsN[i]!) * T[offsetsN[i]! + k]!;
      sum += v;
      abs += Math.abs(v);
    }
    const e = Math.abs(g[j]! - sum);
    if (abs > 0) rel = Math.max(rel, e / abs);
    const ulp = sum === 0 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(sum))) - 23);
    ulps = Math.max(ulps, e / ulp);
  }
  return { maxErrorRelTerms: rel, maxErrorUlps: ulps };
}

const fmt = (s: number): string => (s < 0.01 ? `${(s * 1e3).toFixed(2)} ms` : `${s.toFixed(3)} s`);

/** The standard table: the paper's cases, then the FFT time against the table length. */
async function main(): Promise<void> {
  const only = process.argv[2];
  const cases: Array<[string, AggregateBenchOptions]> = [
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
  for (const [name, o] of cases) {
    if (only && !name.includes(only)) continue;
    const r = await benchAggregate(o);
    process.stdout.write(
      `${name} | ${r.method} (${r.threads} thr) | ${fmt(r.seconds)} | ${fmt(r.min)} | ${fmt(r.setupSeconds)} | ${r.directEstimateSeconds === undefined ? '-' : fmt(r.directEstimateSeconds)} | ${r.maxErrorRelTerms?.toExponential(1) ?? '-'} | ${r.maxErrorUlps?.toFixed(2) ?? '-'}\n`,
    );
  }
  if (only && !'table'.includes(only)) return;
  process.stdout.write(
    '\nFFT, 10k offspring x 3,274,634 vs table length L | median (5k offsets) | median (10k offsets) | spectrum setup (once per table) | expected duplicate pairs / generation (5k / 10k offsets)\n',
  );
  for (const lg of [22, 23, 24, 25]) {
    const base = { population: 10_000, params: 3_274_634, tableSize: 2 ** lg, method: 'fft' as const };
    const m = await benchAggregate({ ...base, mirrored: true });
    const d = await benchAggregate(base);
    process.stdout.write(
      `2^${lg} | ${fmt(m.seconds)} | ${fmt(d.seconds)} | ${fmt(m.spectrumSetupSeconds ?? NaN)} | ${m.expectedDuplicatePairs.toFixed(2)} / ${d.expectedDuplicatePairs.toFixed(2)}\n`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

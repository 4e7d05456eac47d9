// Times one ES gradient aggregation (full or limited perturbation) as training runs it: the same
// Aggregator and method rule; used by `esgrad bench aggregate`, the `timing` preset and bench/.
import { createNoiseTable, DEFAULT_NOISE_TABLE_SIZE } from '../rng/noise-table.ts';
import { createRng, nextFloat, nextInt } from '../rng/prng.ts';
import { Aggregator } from './aggregator.ts';
import { aggregateDirect } from './direct.ts';
import { type AggregateMethod, aggregationMethod } from './method.ts';
import { spectralLayout } from './spectral.ts';

export interface TimingOptions {
  /** N: offspring (evaluations). */
  readonly population: number;
  /** P: parameters. */
  readonly params: number;
  /** Limited perturbation: each offspring perturbs one random bucket of <= bucketSize parameters. */
  readonly limited?: boolean;
  readonly bucketSize?: number;
  /** Noise table length (default 2^25); ignored when `aggregator` is given. */
  readonly tableSize?: number;
  /** Timed calls after the first (median reported; default 5). */
  readonly repeats?: number;
  /** Mirrored sampling: N/2 distinct offsets, each used with +w and -w' (default false: N distinct). */
  readonly mirrored?: boolean;
  /** Threads (default: every core); ignored when `aggregator` is given. */
  readonly threads?: number;
  readonly method?: 'auto' | AggregateMethod;
  /** Measure the error at `check` random parameters against a float64 sum (default 0: skip). */
  readonly check?: number;
  /** Time this aggregator (its table and threads) instead of a new one made and closed here. */
  readonly aggregator?: Aggregator;
}

export interface TimingResult {
  /** Median seconds of one aggregation (caches warm). */
  seconds: number;
  min: number;
  max: number;
  method: string;
  /** One-time cost: first call minus the median (table copy to shared memory, FFT of the table, workers). */
  setupSeconds: number;
  /** 'fft': seconds it took to build the table's spectrum. */
  spectrumSetupSeconds?: number;
  distinctOffsets: number;
  /** Expected pairs of equal offsets among the distinct draws: K(K-1)/2 / (L - P + 1) (full case). */
  expectedDuplicatePairs: number;
  tableSize: number;
  fftLength: number;
  threads: number;
  /** Bytes the aggregator held after the timed calls (table copy, spectrum, scratch). */
  bytesHeld: number;
  /** aggregateDirect's time extrapolated from a timed run on min(N, 64) offspring (full case only). */
  directEstimateSeconds?: number;
  /** max_j |g_j - exact_j| / sum_i |w_i eps_ij| over the checked parameters, and the largest error in float32 ulps of exact_j. */
  maxErrorRelTerms?: number;
  maxErrorUlps?: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const now = (): number => performance.now() / 1e3;

/** Random offsets, weights and buckets of one generation of the given shape (seeded by N and P). */
function generation(o: TimingOptions, L: number) {
  const N = o.population;
  const P = o.params;
  const rng = createRng(N ^ P);
  const bucketSize = o.bucketSize ?? 5000;
  const B = Math.ceil(P / bucketSize);
  const starts = Array.from({ length: B }, (_, b) => b * bucketSize);
  const sizes = starts.map((s) => Math.min(bucketSize, P - s));
  const bucketsN = o.limited ? Array.from({ length: N }, () => nextInt(rng, B)) : [];
  const distinct = o.mirrored && !o.limited ? Math.ceil(N / 2) : N;
  const span = (i: number): number => L - (o.limited ? sizes[bucketsN[i]!]! : P) + 1;
  const base = Array.from({ length: distinct }, (_, i) => nextInt(rng, span(i)));
  const offsetsN = Array.from({ length: N }, (_, i) => (distinct < N ? base[i >> 1]! : base[i]!));
  const weightsN = Float64Array.from({ length: N }, () => nextFloat(rng) * 2 - 1);
  return { starts, sizes, bucketsN, distinct, offsetsN, weightsN };
}

/** Times the aggregation of one generation of N offspring over P parameters (median of repeats). */
export async function timeAggregation(o: TimingOptions): Promise<TimingResult> {
  const N = o.population;
  const P = o.params;
  const agg =
    o.aggregator ??
    new Aggregator(createNoiseTable(1, o.tableSize ?? DEFAULT_NOISE_TABLE_SIZE), {
      ...(o.threads === undefined ? {} : { threads: o.threads }),
    });
  try {
    const T = agg.table;
    const L = T.length;
    const g = generation(o, L);
    const m = o.method ?? 'auto';
    // the method training would take for these sizes, decided once: the one timed is the one reported
    const full = m === 'auto' ? aggregationMethod(L, g.distinct, P) : m;
    const run = (): Float32Array =>
      o.limited
        ? agg.sumBuckets(g.offsetsN, g.weightsN, g.bucketsN, g.starts, g.sizes, P, {
            method: m === 'direct' ? 'direct' : 'blocked',
          })
        : agg.sum(g.offsetsN, g.weightsN, P, { method: full });
    const method = o.limited ? (m === 'direct' ? 'direct' : 'blocked (buckets)') : full;
    let t0 = now();
    let gradP = run();
    const firstCall = now() - t0;
    const samples: number[] = [];
    for (let r = 0; r < (o.repeats ?? 5); r++) {
      t0 = now();
      gradP = run();
      samples.push(now() - t0);
    }
    const result: TimingResult = {
      seconds: median(samples),
      min: Math.min(...samples),
      max: Math.max(...samples),
      method,
      setupSeconds: Math.max(0, firstCall - median(samples)),
      distinctOffsets: g.distinct,
      expectedDuplicatePairs: o.limited ? 0 : (g.distinct * (g.distinct - 1)) / 2 / (L - P + 1),
      tableSize: L,
      fftLength: spectralLayout(L).Lf,
      threads: agg.threads,
      bytesHeld: agg.bytesHeld,
    };
    if (agg.spectrumSetupSeconds !== undefined) result.spectrumSetupSeconds = agg.spectrumSetupSeconds;
    if (!o.limited && method !== 'direct') {
      const n = Math.min(N, 64);
      aggregateDirect(T, g.offsetsN.slice(0, 4), g.weightsN.subarray(0, 4), Math.min(P, 50_000)); // JIT warm-up
      t0 = now();
      aggregateDirect(T, g.offsetsN.slice(0, n), g.weightsN.subarray(0, n), P);
      result.directEstimateSeconds = ((now() - t0) * N) / n;
    }
    if (o.check) {
      const buckets = o.limited ? g : undefined;
      Object.assign(result, measureError(gradP, T, g.offsetsN, g.weightsN, buckets, P, o.check));
    }
    return result;
  } finally {
    if (!o.aggregator) await agg.close();
  }
}

/** Error of g at `count` random parameters against sums in float64 of the float32-rounded terms. */
function measureError(
  gradP: Float32Array,
  T: Float32Array,
  offsetsN: number[],
  weightsN: Float64Array,
  buckets: { bucketsN: number[]; starts: number[]; sizes: number[] } | undefined,
  P: number,
  count: number,
): { maxErrorRelTerms: number; maxErrorUlps: number } {
  const rng = createRng(99);
  let rel = 0;
  let ulps = 0;
  for (let c = 0; c < count; c++) {
    const j = nextInt(rng, P);
    let sum = 0;
    let abs = 0;
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
    const e = Math.abs(gradP[j]! - sum);
    if (abs > 0) rel = Math.max(rel, e / abs);
    const ulp = sum === 0 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(sum))) - 23);
    ulps = Math.max(ulps, e / ulp);
  }
  return { maxErrorRelTerms: rel, maxErrorUlps: ulps };
}

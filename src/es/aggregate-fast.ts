// Fast exact aggregation of the ES gradient, sum_i w_i * table[o_i, o_i + P), and of the limited-
// perturbation (bucket) variant; picks FFT correlation or a cache-blocked direct sum, multi-threaded.
//
// Methods:
// - 'fft': g = cross-correlation of the table T with the spike train S (S[o_i] += w_i):
//   g[j] = sum_m S[m] T[m+j]. With Lf = next power of two >= table length, circular correlation of
//   length Lf has no wrap-around for j < P because every o_i + P <= table length. The spectrum of T
//   is computed once per table (cached, keyed by the table object); per aggregation only the sparse
//   spike transform, one forward and one inverse four-step FFT in float64 (aggregate-spectral.ts,
//   WASM f64x2 butterflies in aggregate-wasm-fft.ts). Cost ~Lf log Lf + K*M1, nearly independent
//   of N and P. Memory: 24 bytes per table float (768 MiB for 2^25) while the spectrum is cached.
// - 'blocked': the direct sum, float64 accumulators for a block of outputs in L1 and 8 windows per
//   pass (WASM SIMD kernels, aggregate-wasm.ts; plain JS fallback). Cost N*P. Buckets always use it.
// - 'direct': aggregateDirect (aggregate.ts), the reference, single-threaded float32.
// 'auto' estimates both costs per call (COSTS) and takes the cheaper:
// FFT from ~800 distinct offsets at P = 3,274,634 (table 2^25), never for P = 28,938.
//
// Measured (bench/aggregate.ts; 2-core Xeon, AVX-512, Node 20; table 2^25; 2 threads; median):
//   case                                 method   time     1 thread  aggregateDirect
//   10k x 3,274,634, mirrored (5k offs.)  fft      0.363 s           ~65-80 s
//   10k x 3,274,634, 10k offsets          fft      0.384 s  0.727 s
//   1k x 3,274,634                        fft      0.346 s           (blocked 0.435 s)
//   10k x 28,938, mirrored                blocked  0.024 s           0.6 s
//   10k x 28,938, 10k offsets             blocked  0.047 s  0.079 s  0.7 s   (fft would be 0.357 s)
//   limited 50k x 5,000 (P 3,274,634)     buckets  0.044 s  0.080 s  (0.034 s when the table is in cache)
//   One-time: the table's spectrum 0.87 s at 2^25 (0.39 s 2^24, 0.17 s 2^23, 0.14 s 2^22); the WASM
//   copy of the table and worker start ~0.1 s.
//   FFT time vs table length, 10k x 3,274,634 (5k / 10k offsets): 2^22 0.05 / 0.09 s, 2^23
//   0.10 / 0.10 s, 2^24 0.18 / 0.19 s, 2^25 0.36 / 0.38 s: every size meets 1 s, even on one thread.
//   A smaller table costs only repeated directions: K offsets uniform in [0, L - P] give
//   K(K-1)/2 / (L-P+1) expected equal pairs per generation: 5k / 10k offsets, P = 3,274,634:
//   2^25 0.41 / 1.65, 2^24 0.93 / 3.7, 2^23 2.4 / 9.8, 2^22 13.6 / 54 (0.3% / 0.5% of the offsets).
//   Precision, 300 sampled parameters per case: max error 0.50 float32 ulp of the exact sum (the
//   result is the exact sum rounded once to float32), i.e. <= 1.8e-9 (FFT, blocked) and 1.5e-8
//   (buckets) of sum_i |w_i eps_ij|; aggregateDirect's float32 accumulation is only bounded by
//   N * 2^-24 * sum_i |w_i eps_ij|.

import { totalmem } from 'node:os';
import type { Vec } from '../types.ts';
import { aggregateDirect } from './aggregate.ts';
import { defaultThreads, forgetSharedTable, outputScratch, runTask, sharedTable } from './aggregate-pool.ts';
import { makeSpikes, type SpectralLayout, spectralLayout } from './aggregate-spectral.ts';
import type { SpectralTask } from './aggregate-tasks.ts';
import { wasmSimdAvailable } from './aggregate-wasm.ts';

export { aggregateBuckets, aggregateBucketsDirect, type BucketOptions } from './aggregate-buckets.ts';

export type AggregateMethod = 'fft' | 'blocked' | 'direct';

export interface AggregateOptions {
  /** 'auto' (default) picks by estimated cost. */
  readonly method?: 'auto' | AggregateMethod;
  /** Threads including the calling one (default: every core). */
  readonly threads?: number;
  /** Write the result here (length P) instead of a new array. */
  readonly outP?: Vec;
}

/**
 * Cost model, fitted on the development machine (2 cores, Node 20; bench/aggregate.ts), seconds:
 * blocked: K*P / (rate * threads), rate = 3.2e9 multiply-adds/s per thread with the WASM SIMD kernels
 *   (measured 3.0-3.5e9 for P from 28,938 to 3,274,634), 1.4e9 in plain JS;
 * fft: (Lf * perPoint + K * M1 * spike) / threads, perPoint = 22 ns with the WASM FFT stages
 *   (measured 20-23 ns per table point per thread for Lf = 2^23..2^25), 38 ns in plain JS;
 *   spike = 7.5 ns per distinct offset and spectrum row (M1 rows);
 * setup of a table's spectrum: Lf * 60 ns / threads (measured 42-78 ns per point on one thread).
 */
export const COSTS = {
  BLOCKED_RATE_WASM: 3.2e9,
  BLOCKED_RATE_JS: 1.4e9,
  FFT_NS_PER_POINT_WASM: 22,
  FFT_NS_PER_POINT_JS: 38,
  SPIKE_NS: 7.5,
  SETUP_NS_PER_POINT: 60,
};

interface SpectralPlan {
  readonly layout: SpectralLayout;
  readonly coef: SharedArrayBuffer;
  readonly re: SharedArrayBuffer;
  readonly im: SharedArrayBuffer;
  readonly setupSeconds: number;
}

const plans = new WeakMap<Float32Array, SpectralPlan>();

/** Bytes the FFT method keeps per table (coefficients 4 doubles and scratch 2 doubles per complex point). */
export const fftBytes = (tableLength: number): number => 48 * spectralLayout(tableLength).M;

/** Builds (once per table) and returns its spectral plan; the setup time is recorded in the plan. */
export function spectralPlan(table: Float32Array, threads = defaultThreads()): SpectralPlan {
  const cached = plans.get(table);
  if (cached) return cached;
  const t0 = performance.now();
  const layout = spectralLayout(table.length);
  const shared = sharedTable(table);
  const base = {
    layout,
    coef: new SharedArrayBuffer(32 * layout.M),
    re: new SharedArrayBuffer(8 * layout.M),
    im: new SharedArrayBuffer(8 * layout.M),
  };
  const task = (phase: SpectralTask['phase']): SpectralTask => ({
    kind: 'spectral',
    phase,
    ...base,
    table: shared,
  });
  runTask(task(0), threads);
  runTask(task(1), threads);
  runTask(task(2), threads);
  const plan = { ...base, setupSeconds: (performance.now() - t0) / 1e3 };
  plans.set(table, plan);
  return plan;
}

/** Forgets the cached spectrum and shared copy of `table` (or nothing if it has none). */
export function releaseAggregateCache(table: Float32Array): void {
  plans.delete(table);
  forgetSharedTable(table);
}

/** Throws a RangeError unless every offset is an integer in [0, L - P] and lengths agree. */
function validate(
  what: string,
  L: number,
  offsetsN: ArrayLike<number>,
  weightsN: ArrayLike<number>,
  P: number,
  outP?: Vec,
): void {
  if (!Number.isInteger(P) || P < 1 || P > L)
    throw new RangeError(`${what}: P = ${P} outside [1, ${L}] (table ${L})`);
  if (weightsN.length !== offsetsN.length)
    throw new RangeError(`${what}: ${offsetsN.length} offsets but ${weightsN.length} weights`);
  if (outP !== undefined && outP.length !== P)
    throw new RangeError(`${what}: outP has length ${outP.length}, P = ${P}`);
  for (let i = 0; i < offsetsN.length; i++) {
    const o = offsetsN[i]!;
    if (!Number.isInteger(o) || o < 0 || o + P > L)
      throw new RangeError(`${what}: offset ${o} outside [0, ${L - P}] (table ${L}, P ${P})`);
  }
}

/**
 * Estimated seconds per call of each method for K distinct offsets. The choice depends only on
 * (table length, K, P) and the machine's total memory, never on what is cached or how many threads
 * run (every term scales as 1/threads), so a rerun makes the same choices and the same bits.
 * The spectrum's one-time setup is reported separately ('setup'), not counted in 'fft'.
 */
export function estimateAggregateSeconds(
  tableLength: number,
  K: number,
  P: number,
  threads = defaultThreads(),
): Record<'fft' | 'blocked' | 'setup', number> {
  const l = spectralLayout(tableLength),
    wasm = wasmSimdAvailable();
  const fits = fftBytes(tableLength) <= totalmem() / 4;
  const fft =
    ((l.Lf * (wasm ? COSTS.FFT_NS_PER_POINT_WASM : COSTS.FFT_NS_PER_POINT_JS) + K * l.M1 * COSTS.SPIKE_NS) *
      1e-9) /
    threads;
  const rate = wasm ? COSTS.BLOCKED_RATE_WASM : COSTS.BLOCKED_RATE_JS;
  return {
    fft: fits ? fft : Infinity,
    blocked: (K * P) / (rate * threads),
    setup: (l.Lf * COSTS.SETUP_NS_PER_POINT * 1e-9) / threads,
  };
}

/** The method `aggregate` uses for K distinct offsets (K <= N; mirrored pairs share one offset). */
export function chooseAggregateMethod(tableLength: number, K: number, P: number): 'fft' | 'blocked' {
  const e = estimateAggregateSeconds(tableLength, K, P, 1);
  return e.fft < e.blocked ? 'fft' : 'blocked';
}

/** Distinct offsets and their summed float32-rounded weights (zero weights dropped). */
function mergeOffsets(
  offsetsN: ArrayLike<number>,
  weightsN: ArrayLike<number>,
): { off: Int32Array; w: Float64Array } {
  const sum = new Map<number, number>();
  for (let i = 0; i < offsetsN.length; i++) {
    const w = Math.fround(weightsN[i]!);
    if (w !== 0) sum.set(offsetsN[i]!, (sum.get(offsetsN[i]!) ?? 0) + w);
  }
  const off = Int32Array.from(sum.keys()).sort();
  return { off, w: Float64Array.from(off, (o) => sum.get(o)!) };
}

function sharedCopy<T extends Int32Array | Float64Array>(a: T): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(Math.max(8, a.byteLength));
  new (a.constructor as { new (b: SharedArrayBuffer): T })(sab).set(a);
  return sab;
}

/**
 * sum_i weightsN[i] * table[offsetsN[i] + j] for j < P as float32, equal to aggregateDirect up to
 * float32 rounding (each weight is rounded to float32 first, as there; the sum itself is formed in
 * float64, so the result is usually closer to the exact sum than aggregateDirect's).
 */
export function aggregate(
  table: Float32Array,
  offsetsN: ArrayLike<number>,
  weightsN: ArrayLike<number>,
  P: number,
  opts: AggregateOptions = {},
): Vec {
  validate('aggregate', table.length, offsetsN, weightsN, P, opts.outP);
  const threads = Math.max(1, opts.threads ?? defaultThreads());
  if (opts.method === 'direct') return aggregateDirect(table, offsetsN, weightsN, P, opts.outP);
  const { off, w } = mergeOffsets(offsetsN, weightsN);
  const method =
    opts.method === undefined || opts.method === 'auto'
      ? chooseAggregateMethod(table.length, off.length, P)
      : opts.method;
  const outS = outputScratch(P);
  if (off.length > 0 && method === 'fft') {
    const plan = spectralPlan(table, threads);
    const sp = makeSpikes(off, w);
    const spikes = {
      n: sharedCopy(sp.n.subarray(0, sp.count)),
      zr: sharedCopy(sp.zr.subarray(0, sp.count)),
      zi: sharedCopy(sp.zi.subarray(0, sp.count)),
      count: sp.count,
    };
    const { layout, coef, re, im } = plan;
    runTask({ kind: 'spectral', phase: 3, layout, coef, re, im, spikes }, threads);
    runTask(
      {
        kind: 'spectral',
        phase: 4,
        layout,
        coef,
        re,
        im,
        out: { sab: outS.buffer as SharedArrayBuffer, length: P },
      },
      threads,
    );
  } else if (off.length > 0) {
    const shared = sharedTable(table);
    runTask(
      {
        kind: 'blocked',
        table: shared,
        off: sharedCopy(off),
        w: sharedCopy(w),
        n: off.length,
        out: { sab: outS.buffer as SharedArrayBuffer, length: P },
      },
      threads,
    );
  }
  const out = opts.outP ?? new Float32Array(P);
  if (off.length > 0) out.set(outS);
  else out.fill(0);
  return out;
}

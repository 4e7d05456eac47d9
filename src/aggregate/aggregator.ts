// The aggregation engine as a resource: an Aggregator holds one noise table's shared copy, its spectrum
// and a thread pool, computes sum_i w_i * table[o_i, o_i + P) (and the bucket variant) exactly and fast.
//
// Methods:
// - 'fft': g = cross-correlation of the table T with the spike train S (S[o_i] += w_i):
//   g[j] = sum_m S[m] T[m+j]. With Lf = next power of two >= table length, circular correlation of
//   length Lf has no wrap-around for j < P because every o_i + P <= table length. The spectrum of T
//   is computed once per Aggregator (on first use); per aggregation only the sparse
//   spike transform, one forward and one inverse four-step FFT in float64 (spectral.ts,
//   WASM f64x2 butterflies in wasm-fft.ts). Cost ~Lf log Lf + K*M1, nearly independent
//   of N and P. Memory: 24 bytes per table float (768 MiB for 2^25) while the spectrum is cached.
// - 'blocked': the direct sum, float64 accumulators for a block of outputs in L1 and 8 windows per
//   pass (WASM SIMD kernels, wasm-axpy.ts; plain JS fallback). Cost N*P. Buckets always use it.
// - 'direct': aggregateDirect (direct.ts), the reference, single-threaded float32.
// 'auto' takes aggregationMethod's choice (method.ts): the cheaper by a cost model of the sizes alone,
// FFT from 727 distinct offsets at P = 3,274,634 (table 2^25), from 541,548 at P = 28,938.
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

import { availableParallelism } from 'node:os';
import type { Vec } from '../types.ts';
import { bucketTask } from './buckets.ts';
import { aggregateBucketsDirect, aggregateDirect } from './direct.ts';
import { type AggregateMethod, aggregationMethod } from './method.ts';
import { ThreadPool } from './pool.ts';
import { makeSpikes, type SpectralLayout, spectralLayout } from './spectral.ts';
import type { SpectralTask, TableRef } from './tasks.ts';
import { validateBuckets, validateWindows } from './validate.ts';
import { SLOT_BYTES, SLOTS, wasmTableMemory } from './wasm-axpy.ts';

export interface AggregatorOptions {
  /** Threads including the calling one (default: every core); a run passes its own thread count. */
  readonly threads?: number;
}

export interface SumOptions {
  /** 'auto' (default): aggregationMethod's choice from the sizes. */
  readonly method?: 'auto' | AggregateMethod;
  /** Write the result here (length P) instead of a new array. */
  readonly outP?: Vec;
}

interface SpectralPlan {
  readonly layout: SpectralLayout;
  readonly coef: SharedArrayBuffer;
  readonly re: SharedArrayBuffer;
  readonly im: SharedArrayBuffer;
  readonly setupSeconds: number;
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

/** The table in shared memory: a WebAssembly.Memory for the SIMD kernels, else a SharedArrayBuffer. */
function shareTable(table: Float32Array): TableRef {
  const w = wasmTableMemory(table);
  if (w) {
    const sab = w.memory.buffer as unknown as SharedArrayBuffer;
    return { id: 1, sab, byteOffset: w.view.byteOffset, length: table.length, memory: w.memory };
  }
  if (table.buffer instanceof SharedArrayBuffer) {
    return { id: 1, sab: table.buffer, byteOffset: table.byteOffset, length: table.length };
  }
  const copy = new Float32Array(new SharedArrayBuffer(table.byteLength));
  copy.set(table);
  return { id: 1, sab: copy.buffer as SharedArrayBuffer, byteOffset: 0, length: table.length };
}

/**
 * Exact fast aggregation over one noise table with a lifetime: create it for a run's table, call
 * sum / sumBuckets every generation, close() at the end (stops its threads, drops the table copy and
 * the spectrum). Results do not depend on the thread count.
 */
export class Aggregator {
  readonly table: Float32Array;
  private readonly pool: ThreadPool;
  private shared: TableRef | undefined;
  private plan: SpectralPlan | undefined;
  private scratch: Float32Array | undefined;
  private closed = false;

  constructor(table: Float32Array, opts: AggregatorOptions = {}) {
    this.table = table;
    this.pool = new ThreadPool(Math.max(1, opts.threads || availableParallelism()));
  }

  /** Threads used, the calling one included. */
  get threads(): number {
    return this.pool.threads;
  }

  /** Worker threads started so far. */
  get workerCount(): number {
    return this.pool.workerCount;
  }

  /** Bytes held besides the caller's table: the shared table copy, the spectrum and the output scratch. */
  get bytesHeld(): number {
    const table = this.shared?.memory ? SLOTS * SLOT_BYTES + 4 * this.table.length : 0;
    const plan = this.plan
      ? this.plan.coef.byteLength + this.plan.re.byteLength + this.plan.im.byteLength
      : 0;
    return table + plan + (this.scratch?.buffer.byteLength ?? 0);
  }

  /** Seconds the table's spectrum took to build (undefined until the FFT method is first used). */
  get spectrumSetupSeconds(): number | undefined {
    return this.plan?.setupSeconds;
  }

  /**
   * sum_i weightsN[i] * table[offsetsN[i] + j] for j < P as float32, equal to aggregateDirect up to
   * float32 rounding (each weight is rounded to float32 first, as there; the sum itself is formed in
   * float64, so the result is usually closer to the exact sum than aggregateDirect's).
   */
  sum(offsetsN: ArrayLike<number>, weightsN: ArrayLike<number>, P: number, opts: SumOptions = {}): Vec {
    this.checkOpen();
    if (opts.method === 'direct') return aggregateDirect(this.table, offsetsN, weightsN, P, opts.outP);
    validateWindows('aggregate', this.table.length, offsetsN, weightsN, P, opts.outP);
    const { off, w } = mergeOffsets(offsetsN, weightsN);
    const out = opts.outP ?? new Float32Array(P);
    if (off.length === 0) return out.fill(0);
    const method =
      opts.method === undefined || opts.method === 'auto'
        ? aggregationMethod(this.table.length, off.length, P)
        : opts.method;
    const outS = this.outputScratch(P);
    const target = { sab: outS.buffer as SharedArrayBuffer, length: P };
    if (method === 'fft') {
      const { layout, coef, re, im } = this.spectrum();
      const sp = makeSpikes(off, w);
      const spikes = {
        n: sharedCopy(sp.n.subarray(0, sp.count)),
        zr: sharedCopy(sp.zr.subarray(0, sp.count)),
        zi: sharedCopy(sp.zi.subarray(0, sp.count)),
        count: sp.count,
      };
      this.pool.run({ kind: 'spectral', phase: 3, layout, coef, re, im, spikes });
      this.pool.run({ kind: 'spectral', phase: 4, layout, coef, re, im, out: target });
    } else {
      const table = this.sharedTable();
      this.pool.run({
        kind: 'blocked',
        table,
        off: sharedCopy(off),
        w: sharedCopy(w),
        n: off.length,
        out: target,
      });
    }
    out.set(outS);
    return out;
  }

  /**
   * Limited perturbation: offspring i perturbs bucket b_i, out[start_b + j] = sum over its offspring
   * of w_i * table[o_i + j] for j < size_b; parameters outside every bucket are 0. The same sum as
   * aggregateBucketsDirect up to float32 rounding (float64 accumulation); 'direct' runs that one.
   */
  sumBuckets(
    offsetsN: ArrayLike<number>,
    weightsN: ArrayLike<number>,
    bucketsN: ArrayLike<number>,
    bucketStarts: ArrayLike<number>,
    bucketSizes: ArrayLike<number>,
    P: number,
    opts: { readonly method?: 'blocked' | 'direct'; readonly outP?: Vec } = {},
  ): Vec {
    this.checkOpen();
    const args = [offsetsN, weightsN, bucketsN, bucketStarts, bucketSizes, P] as const;
    if (opts.method === 'direct') return aggregateBucketsDirect(this.table, ...args, opts.outP);
    validateBuckets(this.table.length, ...args, opts.outP);
    const outS = this.outputScratch(P);
    const target = { sab: outS.buffer as SharedArrayBuffer, length: P };
    if (bucketStarts.length > 0) {
      this.pool.run(
        bucketTask(this.sharedTable(), offsetsN, weightsN, bucketsN, bucketStarts, bucketSizes, target),
      );
    }
    const out = opts.outP ?? new Float32Array(P);
    if (opts.outP) out.fill(0); // parameters outside every bucket
    for (let b = 0; b < bucketStarts.length; b++) {
      const s = bucketStarts[b]!;
      out.set(outS.subarray(s, s + bucketSizes[b]!), s);
    }
    return out;
  }

  /** Builds (once) the table's spectrum for the FFT method; its setup time is kept. */
  spectrum(): SpectralPlan {
    this.checkOpen();
    if (this.plan) return this.plan;
    const t0 = performance.now();
    const layout = spectralLayout(this.table.length);
    const base = {
      layout,
      coef: new SharedArrayBuffer(32 * layout.M),
      re: new SharedArrayBuffer(8 * layout.M),
      im: new SharedArrayBuffer(8 * layout.M),
    };
    const table = this.sharedTable();
    for (const phase of [0, 1, 2] as const) {
      this.pool.run({ kind: 'spectral', phase, ...base, table } satisfies SpectralTask);
    }
    this.plan = { ...base, setupSeconds: (performance.now() - t0) / 1e3 };
    return this.plan;
  }

  /** Stops the threads and drops the table copy, the spectrum and the scratch; later calls throw. */
  async close(): Promise<void> {
    this.closed = true;
    this.shared = undefined;
    this.plan = undefined;
    this.scratch = undefined;
    await this.pool.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('aggregate: this Aggregator is closed');
  }

  private sharedTable(): TableRef {
    this.shared ??= shareTable(this.table);
    return this.shared;
  }

  /** A reused shared float32 array of length P (contents undefined). */
  private outputScratch(P: number): Float32Array {
    if (!this.scratch || this.scratch.length < P)
      this.scratch = new Float32Array(new SharedArrayBuffer(4 * P));
    return this.scratch.subarray(0, P);
  }
}

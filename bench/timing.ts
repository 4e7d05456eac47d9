// Timing helpers for the benchmarks: warm-up, repeated wall-clock samples, median and spread,
// and ort session creation with explicit options (so a bench can vary threads / optimisation).
import * as ort from 'onnxruntime-node';

export interface Timing {
  /** Median seconds per call. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly repeats: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs fn `warmup` times, then `repeats` timed times; returns seconds per call. */
export async function timeIt(
  fn: () => Promise<unknown> | unknown,
  repeats: number,
  warmup = 2,
): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), repeats };
}

export interface BenchSessionOptions {
  readonly threads?: number;
  readonly level?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Let idle intra-op threads spin (ORT's default). Off when several sessions take turns. */
  readonly spin?: boolean;
  /** More session config entries, e.g. { dynamic_block_base: '4' } (ORT's session.* keys without "session."). */
  readonly config?: Readonly<Record<string, string>>;
}

export function benchSession(bytes: Uint8Array, o: BenchSessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: o.level ?? 'all',
    executionMode: 'sequential',
    intraOpNumThreads: o.threads ?? 0,
    interOpNumThreads: 1,
    extra: { session: { ...o.config, intra_op: { allow_spinning: o.spin === true ? '1' : '0' } } },
  });
}

/** Standard-normal-ish random floats (fast, not for statistics). */
export function randomF32(n: number, seed = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296 - 0.5) * 2;
  }
  return a;
}

/**
 * Interleaved timing of several variants (round-robin, so slow drifts of a shared machine hit all
 * alike): returns the median seconds per call of each variant, in order.
 */
export async function interleaved(
  fns: readonly (() => Promise<unknown> | unknown)[],
  rounds: number,
  warmup = 2,
): Promise<number[]> {
  for (const fn of fns) for (let i = 0; i < warmup; i++) await fn();
  const samples = fns.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (let v = 0; v < fns.length; v++) {
      const t0 = process.hrtime.bigint();
      await fns[v]!();
      samples[v]!.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }
  return samples.map(median);
}

/** A batch of `count` random images in [0, 1) with labels 0..9 (content does not change the speed). */
export function randomBatch(
  count: number,
  seed = 5,
): { imagesBxHxW: Float32Array; labelsB: Int32Array; count: number } {
  return {
    imagesBxHxW: randomF32(count * 784, seed).map((v) => Math.abs(v)),
    labelsB: Int32Array.from({ length: count }, (_, i) => i % 10),
    count,
  };
}

// The one rule choosing the aggregation method ('fft' or 'blocked') from the sizes alone, with the
// cost model it rests on; used by training, the population search, `esgrad bench` and the bench alike.
import { totalmem } from 'node:os';
import { spectralLayout } from './spectral.ts';

export type AggregateMethod = 'fft' | 'blocked' | 'direct';

/**
 * Cost model, fitted on the development machine (2 cores, Node 20; bench/aggregate.ts), seconds per
 * thread (every term scales as 1/threads, so the choice does not depend on the thread count):
 * blocked: K*P / BLOCKED_RATE, 3.2e9 multiply-adds/s with the WASM SIMD kernels (measured 3.0-3.5e9
 *   for P from 28,938 to 3,274,634; the plain-JS fallback gives the same bits, only slower);
 * fft: Lf * FFT_NS_PER_POINT + K * M1 * SPIKE_NS, 22 ns per table point with the WASM FFT stages
 *   (measured 20-23 ns for Lf = 2^23..2^25) and 7.5 ns per distinct offset and spectrum row;
 * setup of a table's spectrum (once per Aggregator): Lf * SETUP_NS_PER_POINT (measured 42-78 ns).
 */
export const COSTS = {
  BLOCKED_RATE: 3.2e9,
  FFT_NS_PER_POINT: 22,
  SPIKE_NS: 7.5,
  SETUP_NS_PER_POINT: 60,
} as const;

/** Bytes the FFT method keeps per table (coefficients 4 doubles and scratch 2 doubles per complex point). */
export const fftBytes = (tableLength: number): number => 48 * spectralLayout(tableLength).M;

/**
 * Estimated seconds on one thread of each method for K distinct offsets, and of the spectrum's
 * one-time setup ('setup', not counted in 'fft'). Infinity for 'fft' when its memory would exceed a
 * quarter of `memoryBytes` (default: this machine's total memory, a constant of the machine).
 */
export function estimateAggregateSeconds(
  tableLength: number,
  K: number,
  P: number,
  memoryBytes = totalmem(),
): Record<'fft' | 'blocked' | 'setup', number> {
  const l = spectralLayout(tableLength);
  const fft = (l.Lf * COSTS.FFT_NS_PER_POINT + K * l.M1 * COSTS.SPIKE_NS) * 1e-9;
  return {
    fft: fftBytes(tableLength) <= memoryBytes / 4 ? fft : Infinity,
    blocked: (K * P) / COSTS.BLOCKED_RATE,
    setup: l.Lf * COSTS.SETUP_NS_PER_POINT * 1e-9,
  };
}

/**
 * The method for K distinct offsets (mirrored pairs share one) of P parameters in a table of
 * `tableLength` floats: the cheaper by the cost model. A function of the sizes only (and of the
 * machine's total memory, for tables whose spectrum would not fit), never of timing, threads or
 * caches, so a run makes the same choices, and gets the same bits, on every rerun and resume.
 * At a 2^25 table: FFT from 727 distinct offsets at P = 3,274,634, from 541,548 at P = 28,938.
 */
export function aggregationMethod(
  tableLength: number,
  K: number,
  P: number,
  memoryBytes = totalmem(),
): 'fft' | 'blocked' {
  const e = estimateAggregateSeconds(tableLength, K, P, memoryBytes);
  return e.fft < e.blocked ? 'fft' : 'blocked';
}

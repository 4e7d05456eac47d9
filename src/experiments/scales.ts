// What each scale trains on: the paper's network and sizes (`paper`), the 28,938-parameter cnn-29k
// with populations scaled by the parameter ratio so ρ(g_ES, g_True) stays the paper's (`small`), a tiny mlp (`smoke`).
import type { Scale } from './types.ts';

export const PARAMS = { 'cnn-3m': 3_274_634, 'cnn-29k': 28_938, mlp: 25_450 } as const;

/** The network of each scale for the experiments the paper runs on cnn-3m. */
export const MODEL: Readonly<Record<Scale, keyof typeof PARAMS>> = {
  paper: 'cnn-3m',
  small: 'cnn-29k',
  smoke: 'mlp',
};

/** TrainConfig fields every run of a scale shares (smoke: in-process evaluator, a 4 MiB noise table). */
export function base(scale: Scale): Record<string, unknown> {
  const common = { model: MODEL[scale], batch: 50, lr: 0.001, sigma: 0.002 };
  return scale === 'smoke' ? { ...common, evaluator: 'local', noiseTableSize: 1 << 20 } : common;
}

/**
 * The paper's population `n` (on cnn-3m) at a scale: kept at `paper`, otherwise multiplied by
 * P_scale / 3,274,634 (even, for mirrored pairs). In the linear regime ρ ≈ sqrt(n/2 / (n/2 + P)), so
 * the ratio N/P, and with it the gradient correlation (3.9% for 10,000 on cnn-3m), is the paper's.
 */
export function population(scale: Scale, n: number): number {
  if (scale === 'paper') return n;
  const scaled = (n * PARAMS[MODEL[scale]]) / PARAMS['cnn-3m'];
  return Math.max(2, 2 * Math.round(scaled / 2));
}

/** The paper's bucket size (5,000 of 3,274,634 parameters) scaled the same way. */
export function bucketSize(scale: Scale, b: number): number {
  return scale === 'paper' ? b : Math.max(1, Math.round((b * PARAMS[MODEL[scale]]) / PARAMS['cnn-3m']));
}

/** Expected ρ for N evaluations (mirrored pairs) on P parameters: sqrt(n / (n + P + 1)), n = N/2. */
export function theoryCorr(N: number, P: number): number {
  return Math.sqrt(N / 2 / (N / 2 + P + 1));
}

/** Offspring (evaluations) at which theoryCorr reaches ρ: N = 2 (P + 1) ρ² / (1 − ρ²). */
export function theoryOffspring(rho: number, P: number): number {
  return (2 * (P + 1) * rho * rho) / (1 - rho * rho);
}

/** A seed list 0..k-1 mapped to run specs. */
export const seedList = (k: number): number[] => Array.from({ length: k }, (_, i) => i);

// What each scale trains on: the paper's network and sizes (`paper`), the 28,938-parameter cnn-29k
// with populations scaled by the parameter ratio so ρ(g_ES, g_True) stays the paper's (`small`), a tiny mlp (`smoke`).
import { getArchitecture, paramLayout } from '../model/architecture.ts';
import type { Scale } from './types.ts';

/** The networks the scales use. */
export type ScaleModel = 'cnn-3m' | 'cnn-29k' | 'mlp';

/** Parameter count P of each network, from its ParamLayout. */
export const PARAMS: Readonly<Record<ScaleModel, number>> = {
  'cnn-3m': paramLayout(getArchitecture('cnn-3m')).size,
  'cnn-29k': paramLayout(getArchitecture('cnn-29k')).size,
  mlp: paramLayout(getArchitecture('mlp')).size,
};

/** The network of each scale for the experiments the paper runs on cnn-3m. */
export const MODEL: Readonly<Record<Scale, ScaleModel>> = {
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
  return scale === 'paper' ? n : populationFor(MODEL[scale], n);
}

/** The paper's population `n` on cnn-3m scaled to `model` by P_model / 3,274,634 (even, at least 2). */
export function populationFor(model: ScaleModel, n: number): number {
  return Math.max(2, 2 * Math.round((n * PARAMS[model]) / PARAMS['cnn-3m'] / 2));
}

/** The paper's bucket size (5,000 of 3,274,634 parameters) scaled the same way. */
export function bucketSize(scale: Scale, b: number): number {
  return scale === 'paper' ? b : Math.max(1, Math.round((b * PARAMS[MODEL[scale]]) / PARAMS['cnn-3m']));
}

/** Offspring (evaluations) at which expectedCorrelation (analysis) reaches ρ: N = 2 (P + 1) ρ² / (1 − ρ²). */
export function theoryOffspring(rho: number, P: number): number {
  return (2 * (P + 1) * rho * rho) / (1 - rho * rho);
}

/** A seed list 0..k-1 mapped to run specs. */
export const seedList = (k: number): number[] => Array.from({ length: k }, (_, i) => i);

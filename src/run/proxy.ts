// The ES proxy as a hook on the SGD step: iteration t's backprop gradient plus independent Gaussian
// noise scaled so that the followed gradient correlates with the true one at ρ (paper section 4).
import { pearson } from '../analysis/correlation.ts';
import { proxyGradient } from '../analysis/proxy.ts';
import { createNoiseTable } from '../rng/noise-table.ts';
import { hashSeed } from '../rng/prng.ts';
import type { GradientHook } from './sgd.ts';

/** Stream of the proxy's noise: g_Noise of iteration t is a function of (seed, t). */
const PROXY_NOISE_STREAM = 0x9e0c5;

export function proxyHook(seed: number, targetCorr: number): GradientHook {
  return (t, trueGradP) => {
    const noiseP = createNoiseTable(hashSeed(seed, PROXY_NOISE_STREAM, t), trueGradP.length);
    const { gradP, multiplier } = proxyGradient(trueGradP, noiseP, targetCorr);
    return { gradP, metrics: { corr: pearson(gradP, trueGradP), multiplier } };
  };
}

// The ES proxy as a hook on the SGD step: iteration t's backprop gradient plus Gaussian noise scaled so
// that the followed gradient correlates with the true one at ρ (paper section 4); the noise as ES's.
import { proxyGradient } from '../analysis/proxy.ts';
import { createRng, hashSeed, nextInt } from '../rng/prng.ts';
import type { GradientHook } from './sgd.ts';

/** Stream of the proxy's noise offsets: g_Noise of iteration t is a function of (seed, t). */
const PROXY_NOISE_STREAM = 0x9e0c5;

/**
 * g_Noise of iteration t is a window of the run's noise table (as ES's perturbations are) at an offset
 * drawn from (seed, t): nothing to generate per iteration (fresh 3.27M normals cost cnn-3m ~60 ms, more
 * than its SGD step). The returned gradient is a buffer the hook reuses: valid until its next call.
 */
export function proxyHook(seed: number, targetCorr: number, noiseTable: Float32Array): GradientHook {
  let out: Float32Array | undefined;
  return (t, trueGradP) => {
    const P = trueGradP.length;
    const o = nextInt(createRng(hashSeed(seed, PROXY_NOISE_STREAM, t)), noiseTable.length - P + 1);
    const { gradP, multiplier, corr } = proxyGradient(
      trueGradP,
      noiseTable.subarray(o, o + P),
      targetCorr,
      out,
    );
    out = gradP;
    return { gradP, metrics: { corr, multiplier } };
  };
}

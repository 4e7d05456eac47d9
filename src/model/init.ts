// Initial parameters as in the TensorFlow "deep MNIST" tutorial the paper follows: weights from a
// normal with std 0.1 truncated at two standard deviations (resampled), all biases 0.1.
import { createRng, hashSeed, nextNormal } from '../rng/prng.ts';
import type { Vec } from '../types.ts';
import type { ParamLayout } from './architecture.ts';

export const INIT_WEIGHT_STD = 0.1;
export const INIT_BIAS = 0.1;

/** θ0 for a layout, a pure function of the seed. */
export function initParams(layout: ParamLayout, seed: number): Vec {
  const thetaP = new Float32Array(layout.size);
  const rng = createRng(hashSeed(seed, 0x1417));
  for (const slice of layout.slices) {
    const view = thetaP.subarray(slice.offset, slice.offset + slice.size);
    if (slice.name.endsWith('.bias')) {
      view.fill(INIT_BIAS);
      continue;
    }
    for (let i = 0; i < view.length; i++) {
      let z = nextNormal(rng);
      while (z < -2 || z > 2) z = nextNormal(rng);
      view[i] = z * INIT_WEIGHT_STD;
    }
  }
  return thetaP;
}

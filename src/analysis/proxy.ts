// The ES proxy of the paper (section 4): SGD whose gradient is g_True + m·g_Noise, with m chosen so
// that correlation(g_Proxy, g_True) = ρ: m = sqrt(var(g_True)(1 − ρ²) / (var(g_Noise) ρ²)).
import type { NumVec } from '../vector.ts';

function variance(aP: NumVec): number {
  let sum = 0,
    sq = 0;
  for (let i = 0; i < aP.length; i++) sum += aP[i]!;
  const mean = sum / aP.length;
  for (let i = 0; i < aP.length; i++) sq += (aP[i]! - mean) ** 2;
  return sq / aP.length;
}

/** The paper's multiplier m for target correlation ρ in (0, 1]. */
export function proxyMultiplier(trueGradP: NumVec, noiseP: NumVec, rho: number): number {
  if (!(rho > 0 && rho <= 1)) throw new RangeError(`target correlation must be in (0, 1], got ${rho}`);
  return Math.sqrt((variance(trueGradP) * (1 - rho * rho)) / (variance(noiseP) * rho * rho));
}

/**
 * g_Proxy = g_True + m·g_Noise (float32). Its correlation with g_True is ρ up to the sampling
 * correlation between g_Noise and g_True, which is O(1/sqrt(P)) for independent noise.
 */
export function proxyGradient(
  trueGradP: Float32Array,
  noiseP: NumVec,
  rho: number,
): { gradP: Float32Array; multiplier: number } {
  if (noiseP.length !== trueGradP.length)
    throw new RangeError(`noise has ${noiseP.length} values, gradient ${trueGradP.length}`);
  const m = proxyMultiplier(trueGradP, noiseP, rho);
  const gradP = new Float32Array(trueGradP.length);
  for (let i = 0; i < gradP.length; i++) gradP[i] = trueGradP[i]! + m * noiseP[i]!;
  return { gradP, multiplier: m };
}

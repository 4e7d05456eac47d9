// The ES proxy of the paper (section 4): SGD whose gradient is g_True + m·g_Noise, with m chosen so
// that correlation(g_Proxy, g_True) = ρ: m = sqrt(var(g_True)(1 − ρ²) / (var(g_Noise) ρ²)).
import type { NumVec } from '../vector.ts';
import { centredSums } from './correlation.ts';

/** m from the centred sums of squares of g_True (sgg) and g_Noise (snn), over the same P components. */
function multiplier(sgg: number, snn: number, rho: number): number {
  if (!(rho > 0 && rho <= 1)) throw new RangeError(`target correlation must be in (0, 1], got ${rho}`);
  return Math.sqrt((sgg * (1 - rho * rho)) / (snn * rho * rho));
}

/** The paper's multiplier m for target correlation ρ in (0, 1]. */
export function proxyMultiplier(trueGradP: NumVec, noiseP: NumVec, rho: number): number {
  const { saa, sbb } = centredSums(trueGradP, noiseP);
  return multiplier(saa, sbb, rho);
}

/**
 * g_Proxy = g_True + m·g_Noise (float32), written into `out` when it has the right length: three passes
 * over the vectors (two for the moments, one for g_Proxy). Its correlation with g_True is ρ up to the
 * sampling correlation between g_Noise and g_True, O(1/sqrt(P)) for independent noise; `corr` is the
 * achieved one, Pearson's from the same moments: (s_gg + m s_gn) / sqrt(s_gg (s_gg + 2m s_gn + m² s_nn)),
 * exact but for g_Proxy's rounding to float32.
 */
export function proxyGradient(
  trueGradP: Float32Array,
  noiseP: NumVec,
  rho: number,
  out?: Float32Array,
): { gradP: Float32Array; multiplier: number; corr: number } {
  const n = trueGradP.length;
  if (noiseP.length !== n) throw new RangeError(`noise has ${noiseP.length} values, gradient ${n}`);
  const { saa: sgg, sbb: snn, sab: sgn } = centredSums(trueGradP, noiseP);
  const m = multiplier(sgg, snn, rho);
  const gradP = out?.length === n ? out : new Float32Array(n);
  for (let i = 0; i < n; i++) gradP[i] = trueGradP[i]! + m * noiseP[i]!;
  const corr = (sgg + m * sgn) / Math.sqrt(sgg * (sgg + 2 * m * sgn + m * m * snn));
  return { gradP, multiplier: m, corr };
}

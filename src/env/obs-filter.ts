// Observation normalisation as in Salimans et al. 2017 (the starter's RunningStat): sums and sums of
// squares from a fraction of rollouts, merged at the master, and the (mean, std) filter shipped with θ.

/** Running sums over observations: count, Σo and Σo² per component (float64). */
export interface ObsStats {
  readonly count: number;
  readonly sumO: Float64Array;
  readonly sumSqO: Float64Array;
}

/** The filter the policy sees: o ↦ clip((o − mean) / std, −5, 5). */
export interface ObsFilter {
  readonly meanO: Float64Array;
  readonly stdO: Float64Array;
}

/** The starter's prior: count ε = 0.01 with Σo² = ε (so mean 0, std 1 before any data). */
const PRIOR = 1e-2;
/** Variance floor (std ≥ 0.1) and clip bound of normalised observations, as the starter. */
const VAR_FLOOR = 1e-2;
export const OBS_CLIP = 5;

export function emptyObsStats(size: number): ObsStats {
  return { count: PRIOR, sumO: new Float64Array(size), sumSqO: new Float64Array(size).fill(PRIOR) };
}

/** a + b (fresh; the state is replaced, not mutated). */
export function mergeObsStats(
  a: ObsStats,
  b: { count: number; sumO: ArrayLike<number>; sumSqO: ArrayLike<number> },
): ObsStats {
  const sumO = a.sumO.slice(),
    sumSqO = a.sumSqO.slice();
  for (let i = 0; i < sumO.length; i++) {
    sumO[i]! += b.sumO[i]!;
    sumSqO[i]! += b.sumSqO[i]!;
  }
  return { count: a.count + b.count, sumO, sumSqO };
}

export function obsFilter(stats: ObsStats): ObsFilter {
  const n = stats.sumO.length;
  const meanO = new Float64Array(n),
    stdO = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const mean = stats.sumO[i]! / stats.count;
    meanO[i] = mean;
    stdO[i] = Math.sqrt(Math.max(stats.sumSqO[i]! / stats.count - mean * mean, VAR_FLOOR));
  }
  return { meanO, stdO };
}

/** The identity filter (mean 0, std 1): what a run starts with. */
export const identityFilter = (size: number): ObsFilter => obsFilter(emptyObsStats(size));

/** clip((o − mean) / std, −5, 5) into outO, reading o from observations[at ..]. */
export function normalizeInto(
  filter: ObsFilter,
  observations: ArrayLike<number>,
  outO: Float64Array,
  at = 0,
): Float64Array {
  for (let i = 0; i < outO.length; i++) {
    const z = (observations[at + i]! - filter.meanO[i]!) / filter.stdO[i]!;
    outO[i] = Math.min(Math.max(z, -OBS_CLIP), OBS_CLIP);
  }
  return outO;
}

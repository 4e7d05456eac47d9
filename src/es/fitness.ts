// Fitness shaping: raw rewards (the paper's choice on MNIST) or centered ranks in [-0.5, 0.5]
// (the OpenAI starter's compute_centered_ranks, with tied rewards given their mean rank).

/** 'raw' returns a copy; 'centered-ranks' returns centeredRanks(rewardsN). */
export function shapeFitness(rewardsN: Float64Array, shaping: 'raw' | 'centered-ranks'): Float64Array {
  return shaping === 'raw' ? rewardsN.slice() : centeredRanks(rewardsN);
}

/**
 * rank(x_i) / (n - 1) - 0.5 with ranks 0..n-1 (smallest reward -> -0.5, largest -> +0.5), as in
 * evolution-strategies-starter. Tied rewards share the mean of their ranks (the starter breaks ties
 * by position, which would give a mirrored pair with f+ = f- a spurious non-zero weight); without
 * ties the two agree. n = 1 gives [0]. Rewards must be finite.
 */
export function centeredRanks(rewardsN: Float64Array): Float64Array {
  const n = rewardsN.length;
  const outN = new Float64Array(n);
  if (n < 2) return outN;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rewardsN[a]! - rewardsN[b]! || a - b);
  for (let lo = 0; lo < n; ) {
    let hi = lo + 1;
    while (hi < n && rewardsN[order[hi]!] === rewardsN[order[lo]!]) hi++;
    const meanRank = (lo + hi - 1) / 2;
    for (let k = lo; k < hi; k++) outN[order[k]!] = meanRank / (n - 1) - 0.5;
    lo = hi;
  }
  return outN;
}

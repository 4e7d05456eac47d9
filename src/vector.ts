// Vector reductions shared by every layer (the lowest module besides types.ts): the L2 norm, summed
// in float64 whatever the element type.
/** A vector of numbers in single or double precision. */
export type NumVec = Float32Array | Float64Array;

/** sqrt(sum_i a_i^2), accumulated in float64. */
export function l2Norm(aP: NumVec): number {
  let s = 0;
  for (let i = 0; i < aP.length; i++) s += aP[i]! * aP[i]!;
  return Math.sqrt(s);
}

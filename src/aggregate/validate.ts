// Input checks shared by every aggregation method: offsets are integers whose windows lie inside the
// table, lengths agree, bucket slices are disjoint and inside [0, P). RangeError otherwise.
import type { Vec } from '../types.ts';

/** Throws a RangeError unless every offset is an integer in [0, L - P] and the lengths agree. */
export function validateWindows(
  what: string,
  L: number,
  offsetsN: ArrayLike<number>,
  weightsN: ArrayLike<number>,
  P: number,
  outP?: Vec,
): void {
  if (!Number.isInteger(P) || P < 1 || P > L)
    throw new RangeError(`${what}: P = ${P} outside [1, ${L}] (table ${L})`);
  if (weightsN.length !== offsetsN.length) {
    throw new RangeError(`${what}: ${offsetsN.length} offsets but ${weightsN.length} weights`);
  }
  if (outP !== undefined && outP.length !== P)
    throw new RangeError(`${what}: outP has length ${outP.length}, P = ${P}`);
  for (let i = 0; i < offsetsN.length; i++) {
    const o = offsetsN[i]!;
    if (!Number.isInteger(o) || o < 0 || o + P > L) {
      throw new RangeError(`${what}: offset ${o} outside [0, ${L - P}] (table ${L}, P ${P})`);
    }
  }
}

/**
 * Checks the bucket layout: disjoint slices [start_b, start_b + size_b) inside [0, P), every offspring's
 * bucket index valid and its window table[o_i, o_i + size_b) inside the table. RangeError otherwise.
 */
export function validateBuckets(
  L: number,
  offsetsN: ArrayLike<number>,
  weightsN: ArrayLike<number>,
  bucketsN: ArrayLike<number>,
  starts: ArrayLike<number>,
  sizes: ArrayLike<number>,
  P: number,
  outP?: Vec,
): void {
  const n = offsetsN.length,
    B = starts.length;
  if (weightsN.length !== n || bucketsN.length !== n) {
    throw new RangeError(
      `aggregateBuckets: ${n} offsets, ${weightsN.length} weights, ${bucketsN.length} bucket indices`,
    );
  }
  if (sizes.length !== B)
    throw new RangeError(`aggregateBuckets: ${B} bucket starts but ${sizes.length} sizes`);
  if (outP !== undefined && outP.length !== P)
    throw new RangeError(`aggregateBuckets: outP has length ${outP.length}, P = ${P}`);
  const order = Array.from({ length: B }, (_, b) => b).sort((x, y) => starts[x]! - starts[y]!);
  let end = 0;
  for (const b of order) {
    const s = starts[b]!,
      z = sizes[b]!;
    if (!Number.isInteger(s) || !Number.isInteger(z) || z < 0 || s < end || s + z > P) {
      throw new RangeError(
        `aggregateBuckets: bucket ${b} = [${s}, ${s + z}) overlaps another or leaves [0, ${P})`,
      );
    }
    if (z > 0) end = s + z;
  }
  for (let i = 0; i < n; i++) {
    const b = bucketsN[i]!,
      o = offsetsN[i]!;
    if (!Number.isInteger(b) || b < 0 || b >= B)
      throw new RangeError(`aggregateBuckets: offspring ${i} has bucket ${b}, not in [0, ${B})`);
    if (!Number.isInteger(o) || o < 0 || o + sizes[b]! > L) {
      throw new RangeError(
        `aggregateBuckets: offset ${o} outside [0, ${L - sizes[b]!}] for bucket ${b} of size ${sizes[b]} (table ${L})`,
      );
    }
  }
}

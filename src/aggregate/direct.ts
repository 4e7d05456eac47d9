// The reference aggregations, single-threaded float32: the ES gradient sum_i w_i * table[o_i, o_i + P)
// streamed in parameter chunks, and its limited-perturbation (bucket) variant. Faster methods match them.

import type { Vec } from '../types.ts';
import { validateBuckets, validateWindows } from './validate.ts';

/** Parameters per chunk: 4096 float32 accumulators = 16 KiB, inside L1. */
const CHUNK = 4096;

/**
 * Returns sum_i weightsN[i] * noiseTable[offsetsN[i] + j] for j < P, written into outP when given
 * (length P, overwritten) else into a new array.
 *
 * Float32 accumulation, defined exactly so faster methods can be compared against it: each weight is
 * rounded to float32; each product w_i * table[o_i + j] is then exact in float64; it is added to the
 * float32 accumulator and the sum rounded to float32, offspring in order i = 0..N-1. Cost N * P.
 */
export function aggregateDirect(
  noiseTable: Float32Array,
  offsetsN: ArrayLike<number>,
  weightsN: ArrayLike<number>,
  P: number,
  outP?: Vec,
): Vec {
  validateWindows('aggregateDirect', noiseTable.length, offsetsN, weightsN, P, outP);
  const n = offsetsN.length;
  const w32N = Float32Array.from(weightsN);
  const out = outP ?? new Float32Array(P);
  out.fill(0);
  for (let start = 0; start < P; start += CHUNK) {
    const len = Math.min(CHUNK, P - start);
    const acc = out.subarray(start, start + len);
    for (let i = 0; i < n; i++) {
      const w = w32N[i]!;
      if (w === 0) continue;
      const base = offsetsN[i]! + start;
      for (let j = 0; j < len; j++) acc[j] = acc[j]! + w * noiseTable[base + j]!;
    }
  }
  return out;
}

/**
 * The reference: out[start_b + j] = sum over offspring i of bucket b, in order i = 0..N-1, of
 * fround(w_i) * table[o_i + j], accumulated in float32 exactly like aggregateDirect. Cost sum_i size_{b_i}.
 */
export function aggregateBucketsDirect(
  table: Float32Array,
  offsetsN: ArrayLike<number>,
  weightsN: ArrayLike<number>,
  bucketsN: ArrayLike<number>,
  bucketStarts: ArrayLike<number>,
  bucketSizes: ArrayLike<number>,
  P: number,
  outP?: Vec,
): Vec {
  validateBuckets(table.length, offsetsN, weightsN, bucketsN, bucketStarts, bucketSizes, P, outP);
  const out = outP ?? new Float32Array(P);
  out.fill(0);
  for (let i = 0; i < offsetsN.length; i++) {
    const b = bucketsN[i]!,
      w = Math.fround(weightsN[i]!),
      o = offsetsN[i]!,
      s = bucketStarts[b]!,
      z = bucketSizes[b]!;
    if (w === 0) continue;
    const acc = out.subarray(s, s + z);
    for (let j = 0; j < z; j++) acc[j] = acc[j]! + w * table[o + j]!;
  }
  return out;
}

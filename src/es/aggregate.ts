// The reference aggregation of the ES gradient: out = sum_i w_i * table[o_i, o_i + P), streamed in
// parameter chunks (the accumulator chunk stays in cache while offspring windows stream past).

import type { Vec } from '../types.ts';

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
  const n = offsetsN.length;
  if (weightsN.length !== n)
    throw new RangeError(`aggregateDirect: ${n} offsets but ${weightsN.length} weights`);
  if (outP !== undefined && outP.length !== P)
    throw new RangeError(`aggregateDirect: outP has length ${outP.length}, P = ${P}`);
  const w32N = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = offsetsN[i]!;
    if (!Number.isInteger(o) || o < 0 || o + P > noiseTable.length) {
      throw new RangeError(
        `aggregateDirect: offset ${o} outside [0, ${noiseTable.length - P}] (table ${noiseTable.length}, P ${P})`,
      );
    }
    w32N[i] = weightsN[i]!;
  }
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

// Cache-blocked direct aggregation kernels (plain JS): a block of output accumulators in float64 stays
// in L1 while the windows of 8 offspring at a time stream past. The method for small N*P and buckets.

/** Output parameters per block: 4096 float64 accumulators = 32 KiB, inside L1. */
export const BLOCK = 4096;

/**
 * acc[j] += sum_{i in [i0, i1)} w[i] * table[off[i] + j0 + j] for j < len: 8 offspring per pass, then
 * 4, then 1 (the grouping and association of the WASM kernels, so both give the same bits).
 * Products are exact in float64 (float32 x float32); sums round in float64.
 */
export function accumulateBlock(
  table: Float32Array,
  off: Int32Array,
  w: Float64Array,
  i0: number,
  i1: number,
  j0: number,
  len: number,
  acc: Float64Array,
): void {
  const t = table;
  let i = i0;
  for (; i + 8 <= i1; i += 8) {
    const w0 = w[i]!,
      w1 = w[i + 1]!,
      w2 = w[i + 2]!,
      w3 = w[i + 3]!,
      w4 = w[i + 4]!,
      w5 = w[i + 5]!,
      w6 = w[i + 6]!,
      w7 = w[i + 7]!;
    const b0 = off[i]! + j0,
      b1 = off[i + 1]! + j0,
      b2 = off[i + 2]! + j0,
      b3 = off[i + 3]! + j0;
    const b4 = off[i + 4]! + j0,
      b5 = off[i + 5]! + j0,
      b6 = off[i + 6]! + j0,
      b7 = off[i + 7]! + j0;
    for (let j = 0; j < len; j++) {
      acc[j] =
        acc[j]! +
        (w0 * t[b0 + j]! +
          w1 * t[b1 + j]! +
          (w2 * t[b2 + j]! + w3 * t[b3 + j]!) +
          (w4 * t[b4 + j]! + w5 * t[b5 + j]!) +
          (w6 * t[b6 + j]! + w7 * t[b7 + j]!));
    }
  }
  for (; i + 4 <= i1; i += 4) {
    const w0 = w[i]!,
      w1 = w[i + 1]!,
      w2 = w[i + 2]!,
      w3 = w[i + 3]!;
    const b0 = off[i]! + j0,
      b1 = off[i + 1]! + j0,
      b2 = off[i + 2]! + j0,
      b3 = off[i + 3]! + j0;
    for (let j = 0; j < len; j++)
      acc[j] = acc[j]! + (w0 * t[b0 + j]! + w1 * t[b1 + j]! + (w2 * t[b2 + j]! + w3 * t[b3 + j]!));
  }
  for (; i < i1; i++) {
    const w0 = w[i]!,
      b0 = off[i]! + j0;
    for (let j = 0; j < len; j++) acc[j] = acc[j]! + w0 * t[b0 + j]!;
  }
}

/** acc (BLOCK float64) and a function adding offspring [i0, i1) of (off, w) over [j0, j0 + len) into it. */
export interface Accumulator {
  readonly acc: Float64Array;
  add(off: Int32Array, w: Float64Array, i0: number, i1: number, j0: number, len: number): void;
}

/** The plain-JS accumulator over `table`. */
export function jsAccumulator(table: Float32Array, acc: Float64Array): Accumulator {
  return { acc, add: (off, w, i0, i1, j0, len) => accumulateBlock(table, off, w, i0, i1, j0, len, acc) };
}

/** Unit u of the full blocked sum: output block [u*BLOCK, ...) of out (offspring [0, n)). */
export function blockedUnit(
  a: Accumulator,
  off: Int32Array,
  w: Float64Array,
  n: number,
  out: Float32Array,
  u: number,
): void {
  const j0 = u * BLOCK,
    len = Math.min(BLOCK, out.length - j0),
    acc = a.acc;
  acc.fill(0, 0, len);
  a.add(off, w, 0, n, j0, len);
  for (let j = 0; j < len; j++) out[j0 + j] = acc[j]!;
}

/**
 * Unit b of the bucket sum: offspring [ptr[b], ptr[b+1]) (grouped by bucket) perturb
 * out[start_b, start_b + size_b) with table[o_i, o_i + size_b); written in blocks of BLOCK.
 */
export function bucketUnit(
  a: Accumulator,
  off: Int32Array,
  w: Float64Array,
  ptr: Int32Array,
  starts: Int32Array,
  sizes: Int32Array,
  out: Float32Array,
  b: number,
): void {
  const i0 = ptr[b]!,
    i1 = ptr[b + 1]!,
    start = starts[b]!,
    size = sizes[b]!,
    acc = a.acc;
  for (let j0 = 0; j0 < size; j0 += BLOCK) {
    const len = Math.min(BLOCK, size - j0);
    acc.fill(0, 0, len);
    a.add(off, w, i0, i1, j0, len);
    for (let j = 0; j < len; j++) out[start + j0 + j] = acc[j]!;
  }
}

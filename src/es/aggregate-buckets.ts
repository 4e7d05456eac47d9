// Limited-perturbation aggregation (paper sec. 4.1): offspring i perturbs only bucket b_i, a slice of
// size_b consecutive parameters, with table[o_i, o_i + size_b); per bucket sum_{i in b} w_i * window_i.

import type { Vec } from '../types.ts';
import { defaultThreads, outputScratch, runTask, sharedTable } from './aggregate-pool.ts';

export interface BucketOptions {
  /** 'blocked' (default): multi-threaded blocked sum; 'direct': aggregateBucketsDirect. */
  readonly method?: 'blocked' | 'direct';
  readonly threads?: number;
  readonly outP?: Vec;
}

/**
 * Checks the bucket layout: disjoint slices [start_b, start_b + size_b) inside [0, P), every offspring's
 * bucket index valid and its window table[o_i, o_i + size_b) inside the table. RangeError otherwise.
 */
function validateBuckets(
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

/**
 * Same sum as aggregateBucketsDirect up to float32 rounding (float64 accumulation): offspring grouped
 * by bucket (counting sort), buckets spread over threads, each summed with the blocked kernel.
 * Parameters outside every bucket are 0.
 */
export function aggregateBuckets(
  table: Float32Array,
  offsetsN: ArrayLike<number>,
  weightsN: ArrayLike<number>,
  bucketsN: ArrayLike<number>,
  bucketStarts: ArrayLike<number>,
  bucketSizes: ArrayLike<number>,
  P: number,
  opts: BucketOptions = {},
): Vec {
  if (opts.method === 'direct')
    return aggregateBucketsDirect(
      table,
      offsetsN,
      weightsN,
      bucketsN,
      bucketStarts,
      bucketSizes,
      P,
      opts.outP,
    );
  validateBuckets(table.length, offsetsN, weightsN, bucketsN, bucketStarts, bucketSizes, P, opts.outP);
  const n = offsetsN.length,
    B = bucketStarts.length;
  const ptr = new Int32Array(new SharedArrayBuffer(4 * (B + 1)));
  for (let i = 0; i < n; i++) ptr[bucketsN[i]! + 1] = ptr[bucketsN[i]! + 1]! + 1;
  for (let b = 0; b < B; b++) ptr[b + 1] = ptr[b + 1]! + ptr[b]!;
  const fill = ptr.slice(0, B);
  const off = new Int32Array(new SharedArrayBuffer(Math.max(4, 4 * n))),
    w = new Float64Array(new SharedArrayBuffer(Math.max(8, 8 * n)));
  for (let i = 0; i < n; i++) {
    const b = bucketsN[i]!,
      k = fill[b]!;
    fill[b] = k + 1;
    off[k] = offsetsN[i]!;
    w[k] = Math.fround(weightsN[i]!);
  }
  const starts = new Int32Array(new SharedArrayBuffer(Math.max(4, 4 * B))),
    sizes = new Int32Array(new SharedArrayBuffer(Math.max(4, 4 * B)));
  starts.set(Array.from(bucketStarts));
  sizes.set(Array.from(bucketSizes));
  const outS = outputScratch(P);
  const shared = sharedTable(table);
  if (B > 0) {
    runTask(
      {
        kind: 'buckets',
        table: shared,
        off: off.buffer as SharedArrayBuffer,
        w: w.buffer as SharedArrayBuffer,
        n,
        out: { sab: outS.buffer as SharedArrayBuffer, length: P },
        ptr: ptr.buffer as SharedArrayBuffer,
        starts: starts.buffer as SharedArrayBuffer,
        sizes: sizes.buffer as SharedArrayBuffer,
      },
      Math.max(1, opts.threads ?? defaultThreads()),
    );
  }
  const out = opts.outP ?? new Float32Array(P);
  if (opts.outP) out.fill(0); // parameters outside every bucket
  for (let b = 0; b < B; b++) out.set(outS.subarray(starts[b]!, starts[b]! + sizes[b]!), starts[b]!);
  return out;
}

// Limited perturbation (paper sec. 4.1) as a task for the pool: offspring i perturbs only bucket b_i,
// a slice of size_b parameters; offspring are grouped by bucket (counting sort) into shared arrays.
import type { BlockedTask, TableRef } from './tasks.ts';

/** A zeroed shared int32 array of length n (at least one element, so the buffer is never empty). */
function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(4, 4 * n)));
}

/**
 * The 'buckets' task summing, per bucket b, fround(w_i) * table[o_i, o_i + size_b) over its offspring
 * into out[start_b, start_b + size_b). Inputs must have passed validateBuckets.
 */
export function bucketTask(
  table: TableRef,
  offsetsN: ArrayLike<number>,
  weightsN: ArrayLike<number>,
  bucketsN: ArrayLike<number>,
  bucketStarts: ArrayLike<number>,
  bucketSizes: ArrayLike<number>,
  out: { readonly sab: SharedArrayBuffer; readonly length: number },
): BlockedTask {
  const n = offsetsN.length;
  const B = bucketStarts.length;
  const ptr = sharedInt32(B + 1);
  for (let i = 0; i < n; i++) ptr[bucketsN[i]! + 1]!++;
  for (let b = 0; b < B; b++) ptr[b + 1] = ptr[b + 1]! + ptr[b]!;
  const fill = ptr.slice(0, B);
  const off = sharedInt32(n);
  const w = new Float64Array(new SharedArrayBuffer(Math.max(8, 8 * n)));
  for (let i = 0; i < n; i++) {
    const b = bucketsN[i]!;
    const k = fill[b]!;
    fill[b] = k + 1;
    off[k] = offsetsN[i]!;
    w[k] = Math.fround(weightsN[i]!);
  }
  const starts = sharedInt32(B);
  const sizes = sharedInt32(B);
  starts.set(Array.from(bucketStarts));
  sizes.set(Array.from(bucketSizes));
  const sab = (a: Int32Array | Float64Array): SharedArrayBuffer => a.buffer as SharedArrayBuffer;
  return {
    kind: 'buckets',
    table,
    off: sab(off),
    w: sab(w),
    n,
    out,
    ptr: sab(ptr),
    starts: sab(starts),
    sizes: sab(sizes),
  };
}

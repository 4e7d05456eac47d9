// Limited-perturbation ES (paper section 4.1): θ split into contiguous buckets of at most S
// parameters; an offspring perturbs one bucket, so its noise is a window of the bucket's length.

export interface Buckets {
  /** First parameter of bucket b. */
  readonly startsB: Int32Array;
  /** Parameters in bucket b (all ≤ the bucket size, differing by at most 1). */
  readonly sizesB: Int32Array;
}

/** B = ceil(P / S) balanced contiguous buckets: bucket b = [floor(bP/B), floor((b+1)P/B)). */
export function bucketLayout(P: number, bucketSize: number): Buckets {
  if (!(Number.isInteger(bucketSize) && bucketSize > 0)) throw new RangeError(`bucket size must be a positive integer, got ${bucketSize}`);
  const B = Math.ceil(P / bucketSize);
  const startsB = new Int32Array(B), sizesB = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    startsB[b] = Math.floor((b * P) / B);
    sizesB[b] = Math.floor(((b + 1) * P) / B) - startsB[b]!;
  }
  return { startsB, sizesB };
}

/** Length of the noise window of a task: the bucket's size, or P for a full perturbation. */
export function windowLength(buckets: Buckets | undefined, bucket: number, P: number): number {
  return bucket < 0 || buckets === undefined ? P : buckets.sizesB[bucket]!;
}

/**
 * The limited-perturbation estimate: for each term k, weightsK[k] · table[o_k : o_k + size_b] added
 * into the slice of bucket b = bucketsK[k]. Cost Σ_k size_b (e.g. 50,000 × 5,000), not K × P.
 */
export function aggregateBuckets(
  table: Float32Array, offsetsK: ArrayLike<number>, weightsK: ArrayLike<number>, bucketsK: Int32Array, buckets: Buckets, P: number,
): Float32Array {
  const gradP = new Float32Array(P);
  for (let k = 0; k < bucketsK.length; k++) {
    const b = bucketsK[k]!;
    const start = buckets.startsB[b]!, size = buckets.sizesB[b]!, o = offsetsK[k]!;
    if (o < 0 || o + size > table.length) throw new RangeError(`aggregateBuckets: offset ${o} + ${size} outside the table (${table.length})`);
    const w = Math.fround(weightsK[k]!);
    for (let j = 0; j < size; j++) gradP[start + j] = gradP[start + j]! + w * table[o + j]!;
  }
  return gradP;
}

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
  if (!(Number.isInteger(bucketSize) && bucketSize > 0))
    throw new RangeError(`bucket size must be a positive integer, got ${bucketSize}`);
  const B = Math.ceil(P / bucketSize);
  const startsB = new Int32Array(B),
    sizesB = new Int32Array(B);
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

// What a worker needs to evaluate one pseudo-offspring: a few numbers, never a vector.
// The noise vector is noiseTable[noiseOffset .. noiseOffset + P) (or one bucket of it), times sign.

export interface EsTask {
  /** Index of the task within its generation (0..N-1). */
  readonly id: number;
  /** The iteration this task belongs to; results of other generations are stale. */
  readonly generation: number;
  /** Start of this offspring's noise window in the shared noise table. */
  readonly noiseOffset: number;
  /** +1 or -1: mirrored pairs share noiseOffset and differ in sign. */
  readonly sign: 1 | -1;
  /** -1 perturbs all parameters; b >= 0 perturbs only bucket b (limited-perturbation ES). */
  readonly bucket: number;
  /** -1 evaluates on the generation's shared mini-batch; otherwise the seed of this offspring's own data subset. */
  readonly dataSeed: number;
}

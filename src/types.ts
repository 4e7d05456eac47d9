// Shared types of esgrad: flat parameter vectors, metrics, and the sign convention.
// Rewards are MAXIMISED everywhere (reward = -loss); gradients are of the LOSS and are descended.

/** A flat float32 vector; names carry their length as a suffix (thetaP, rewardsN, gradP). */
export type Vec = Float32Array;

/** One record of a metrics stream (one JSONL line). */
export type Metrics = Record<string, number | string | boolean | null>;

/** A labelled image batch: pixels row-major [count, channels, rows, cols], labels as int64-ready ints. */
export interface Batch {
  readonly imagesBxHxW: Float32Array;
  readonly labelsB: Int32Array;
  readonly count: number;
}

/** Error for bad user input: the CLI prints its message on one line and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

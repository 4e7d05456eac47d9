// The exact fast aggregation engine, sum_i w_i * table[o_i, o_i + P): its one entry point. The
// Aggregator (a resource), the method rule, the reference sums and the timing used by bench and presets.
export { Aggregator, type AggregatorOptions, type SumOptions } from './aggregator.ts';
export { aggregateBucketsDirect, aggregateDirect } from './direct.ts';
export {
  type AggregateMethod,
  aggregationMethod,
  COSTS,
  estimateAggregateSeconds,
  fftBytes,
} from './method.ts';
export { type TimingOptions, type TimingResult, timeAggregation } from './timing.ts';

// Optimizers as pure {init, update} transformations on Float32Array (optax style):
// sgd, adam (TensorFlow formulation), L2 weight decay, chain, applyUpdates, and their config.

export { adam, type AdamOptions, type AdamState } from './adam.ts';
export { sgd, type SgdState } from './sgd.ts';
export { addWeightDecay, type WeightDecayState } from './weight-decay.ts';
export { applyUpdates, chain, type ChainState, type GradientTransformation, type PlainState } from './transform.ts';
export {
  adamConfigSchema,
  createOptimizer,
  DEFAULT_OPTIMIZER,
  optimizerConfigSchema,
  parseOrUsageError,
  sgdConfigSchema,
  type OptimizerConfig,
} from './config.ts';

// Optimizers as pure {init, update} transformations on Float32Array (optax style):
// sgd, adam (TensorFlow formulation), L2 weight decay, chain, applyUpdates, and their config.

export { type AdamOptions, type AdamState, adam } from './adam.ts';
export {
  adamConfigSchema,
  createOptimizer,
  DEFAULT_OPTIMIZER,
  type FieldNamer,
  type OptimizerConfig,
  optimizerConfigSchema,
  parseOrUsageError,
  sgdConfigSchema,
} from './config.ts';
export {
  type FusedRule,
  fusedStep,
  type StepOutputs,
  type SteppingOptimizer,
  type StepReuse,
  withFusedStep,
} from './fused.ts';
export { type SgdState, sgd } from './sgd.ts';
export {
  applyUpdates,
  type ChainState,
  chain,
  type GradientTransformation,
  type PlainState,
} from './transform.ts';
export { addWeightDecay, type WeightDecayState } from './weight-decay.ts';

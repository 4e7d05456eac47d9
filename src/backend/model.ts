// What every trainable model gives the evaluators, loops and analyses: θ's layout and size, the loss
// of a batch, K perturbed copies per call, and (where a gradient graph exists) loss and gradient.
import type { LossKind, ParamLayout } from '../model/architecture.ts';
import { type Batch, UsageError, type Vec } from '../types.ts';

/** The loss a model is trained with (defined with the layer specs in model/architecture.ts). */
export type { LossKind } from '../model/architecture.ts';

/** One perturbed copy: parameters θ + coef · noise[offset .. offset + P). */
export interface Perturbation {
  readonly offset: number;
  readonly coef: number;
}

export interface LossResult {
  readonly loss: number;
  readonly correct: number;
}

export interface GradResult extends LossResult {
  readonly gradP: Vec;
}

export interface Model {
  /** A short human name (built-in name, spec file's name, ONNX graph's name). */
  readonly name: string;
  /** The named tensors of θ in order; `layout.size` is P. */
  readonly layout: ParamLayout;
  /** P. */
  readonly size: number;
  /** Shape of one input example, [C, H, W]. */
  readonly inputCHW: readonly [number, number, number];
  /** Width of the output (classes). */
  readonly classes: number;
  readonly lossKind: LossKind;
  /** θ0: a pure function of the seed for spec nets; an imported model's own initializer values. */
  initialTheta(seed: number): Vec;
  /** Mean loss and number of correct predictions on a batch. */
  loss(thetaP: Vec, batch: Batch): Promise<LossResult>;
  /** Mean loss and accuracy over a whole split, in chunks. */
  evaluate(
    thetaP: Vec,
    images: Float32Array,
    labels: Int32Array,
  ): Promise<{ loss: number; accuracy: number }>;
  /**
   * Losses of K perturbed copies, copy k at θ + coef_k · noise[offset_k ..) on batches[k] (the same
   * Batch object K times for a shared mini-batch), in as few ONNX Runtime calls as the model allows.
   */
  populationLosses(
    thetaP: Vec,
    noise: Float32Array,
    copies: readonly Perturbation[],
    batches: readonly Batch[],
  ): Promise<Float32Array>;
  /** Loss, correct count and dLoss/dθ [P]; absent when the model has no gradient graph. */
  readonly lossAndGrad?: (thetaP: Vec, batch: Batch) => Promise<GradResult>;
  close(): Promise<void>;
}

/** A model's loss-and-gradient, or a one-line UsageError saying that `what` (SGD, ρ, ...) needs one. */
export function gradientOf(model: Model, what: string): (thetaP: Vec, batch: Batch) => Promise<GradResult> {
  if (!model.lossAndGrad)
    throw new UsageError(
      `${what} needs the gradient of the loss and ${model.name} has no gradient graph; train it with --algo es`,
    );
  return model.lossAndGrad.bind(model);
}

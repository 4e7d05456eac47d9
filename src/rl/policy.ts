// MLP policies for control tasks (Salimans et al. 2017): tanh hidden layers, a linear output read as
// argmax for discrete actions or clipped to the box for continuous ones; forward in plain TypeScript.
import { createRng, hashSeed, nextNormal } from '../rng/prng.ts';
import type { ActionSpace } from './env.ts';
import { actionWidth } from './env.ts';

/** The shape of a policy: observation size, hidden widths and the action space. */
export interface PolicySpec {
  readonly observationSize: number;
  readonly hidden: readonly number[];
  readonly actionSpace: ActionSpace;
}

/** Outputs of the last layer: n logits (discrete) or one value per action dimension. */
export const policyOutputs = (space: ActionSpace): number =>
  space.kind === 'discrete' ? space.n : actionWidth(space);

/** Layer sizes from input to output. */
export const policyLayers = (spec: PolicySpec): number[] => [
  spec.observationSize,
  ...spec.hidden,
  policyOutputs(spec.actionSpace),
];

/** Parameters: per layer a weight matrix (out × in, row-major) then its biases (out). */
export function policyParamCount(spec: PolicySpec): number {
  const sizes = policyLayers(spec);
  let count = 0;
  for (let l = 1; l < sizes.length; l++) count += sizes[l]! * (sizes[l - 1]! + 1);
  return count;
}

const INIT_STREAM = 0x9011c7;

/**
 * Initial θ as the OpenAI starter's normc initializer: each unit's weight row is Gaussian rescaled to
 * norm 1 (hidden layers) or 0.01 (output layer, so the first actions are near 0 / ties); biases 0.
 */
export function initPolicy(spec: PolicySpec, seed: number): Float32Array {
  const rng = createRng(hashSeed(seed, INIT_STREAM));
  const sizes = policyLayers(spec);
  const thetaP = new Float32Array(policyParamCount(spec));
  let at = 0;
  for (let l = 1; l < sizes.length; l++) {
    const nIn = sizes[l - 1]!,
      nOut = sizes[l]!;
    const scale = l === sizes.length - 1 ? 0.01 : 1;
    const row = new Float64Array(nIn);
    for (let o = 0; o < nOut; o++) {
      let norm = 0;
      for (let i = 0; i < nIn; i++) {
        row[i] = nextNormal(rng);
        norm += row[i]! * row[i]!;
      }
      const k = scale / Math.sqrt(norm);
      for (let i = 0; i < nIn; i++) thetaP[at + o * nIn + i] = row[i]! * k;
    }
    at += nOut * (nIn + 1); // biases stay 0
  }
  return thetaP;
}

/** Scratch buffers for one forward (two activations of the widest layer). */
export function policyScratch(spec: PolicySpec): [Float64Array, Float64Array] {
  const widest = Math.max(...policyLayers(spec));
  return [new Float64Array(widest), new Float64Array(widest)];
}

/**
 * The action of the policy θ (float32 parameters, float64 arithmetic) for an already normalised
 * observation, written into actionA (actionWidth floats). Deterministic: same inputs, same bits.
 */
export function policyAct(
  spec: PolicySpec,
  thetaP: Float32Array,
  observationO: Float64Array,
  actionA: Float64Array,
  scratch: [Float64Array, Float64Array],
): void {
  const sizes = policyLayers(spec);
  let input: Float64Array = observationO;
  let [out, spare] = scratch;
  let at = 0;
  const last = sizes.length - 1;
  for (let l = 1; l <= last; l++) {
    const nIn = sizes[l - 1]!,
      nOut = sizes[l]!;
    const biasAt = at + nOut * nIn;
    for (let o = 0; o < nOut; o++) {
      let s = thetaP[biasAt + o]!;
      const row = at + o * nIn;
      for (let i = 0; i < nIn; i++) s += thetaP[row + i]! * input[i]!;
      out[o] = l === last ? s : Math.tanh(s);
    }
    at = biasAt + nOut;
    input = out;
    [out, spare] = [spare, out];
  }
  const space = spec.actionSpace;
  if (space.kind === 'discrete') {
    let best = 0;
    for (let k = 1; k < space.n; k++) if (input[k]! > input[best]!) best = k;
    actionA[0] = best;
  } else {
    for (let k = 0; k < actionA.length; k++)
      actionA[k] = Math.min(Math.max(input[k]!, space.lowA[k]!), space.highA[k]!);
  }
}

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

/** The forward of one policy shape: (θ, normalised observation, action out) -> void, buffers reused. */
export type PolicyForward = (thetaP: Float32Array, observationO: Float64Array, actionA: Float64Array) => void;

/**
 * The forward of `spec`: θ's float32 parameters in float64 arithmetic, tanh hidden layers, then
 * argmax (discrete) or clipping to the box. Deterministic: same inputs, same bits, in every thread.
 */
export function policyForward(spec: PolicySpec): PolicyForward {
  const sizes = Int32Array.from(policyLayers(spec));
  const layers = sizes.length - 1;
  const widest = Math.max(...sizes);
  const bufA = new Float64Array(widest),
    bufB = new Float64Array(widest);
  const space = spec.actionSpace;
  const lowA = space.kind === 'continuous' ? space.lowA : new Float64Array(0);
  const highA = space.kind === 'continuous' ? space.highA : new Float64Array(0);
  const discreteN = space.kind === 'discrete' ? space.n : 0;
  return (thetaP, observationO, actionA) => {
    let input = observationO;
    let out = bufA;
    let at = 0;
    for (let l = 1; l <= layers; l++) {
      const nIn = sizes[l - 1]!,
        nOut = sizes[l]!;
      const biasAt = at + nOut * nIn;
      const hidden = l < layers;
      // four units at a time: four independent sums (each in the same order as one at a time, so the
      // same bits) keep the adder busy where one sum waits on its previous addition
      let o = 0;
      for (; o + 4 <= nOut; o += 4) {
        let s0 = thetaP[biasAt + o]!,
          s1 = thetaP[biasAt + o + 1]!,
          s2 = thetaP[biasAt + o + 2]!,
          s3 = thetaP[biasAt + o + 3]!;
        const r0 = at + o * nIn,
          r1 = r0 + nIn,
          r2 = r1 + nIn,
          r3 = r2 + nIn;
        for (let i = 0; i < nIn; i++) {
          const x = input[i]!;
          s0 += thetaP[r0 + i]! * x;
          s1 += thetaP[r1 + i]! * x;
          s2 += thetaP[r2 + i]! * x;
          s3 += thetaP[r3 + i]! * x;
        }
        out[o] = hidden ? Math.tanh(s0) : s0;
        out[o + 1] = hidden ? Math.tanh(s1) : s1;
        out[o + 2] = hidden ? Math.tanh(s2) : s2;
        out[o + 3] = hidden ? Math.tanh(s3) : s3;
      }
      for (; o < nOut; o++) {
        let s = thetaP[biasAt + o]!;
        const row = at + o * nIn;
        for (let i = 0; i < nIn; i++) s += thetaP[row + i]! * input[i]!;
        out[o] = hidden ? Math.tanh(s) : s;
      }
      at = biasAt + nOut;
      input = out;
      out = out === bufA ? bufB : bufA;
    }
    if (discreteN > 0) {
      let best = 0;
      for (let k = 1; k < discreteN; k++) if (input[k]! > input[best]!) best = k;
      actionA[0] = best;
    } else {
      for (let k = 0; k < actionA.length; k++)
        actionA[k] = Math.min(Math.max(input[k]!, lowA[k]!), highA[k]!);
    }
  };
}

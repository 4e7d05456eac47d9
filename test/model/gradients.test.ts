// Checks the derived backward graphs: the ONNX loss against a float64 loop reference, and the ONNX
// gradient against central finite differences of that reference, per layer type and per network.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Network } from '../../src/backend/network.ts';
import { type Architecture, getArchitecture, type LayerSpec } from '../../src/model/architecture.ts';
import { initParams } from '../../src/model/init.ts';
import { createRng, nextFloat, nextInt, nextNormal } from '../../src/rng/prng.ts';
import { referenceLoss } from '../helpers/reference-net.ts';

const dense = (units: number): LayerSpec => ({ kind: 'dense', units });
const conv = (filters: number): LayerSpec => ({ kind: 'conv2d', filters, kernel: 5 });
const RELU: LayerSpec = { kind: 'relu' },
  POOL: LayerSpec = { kind: 'maxpool2' },
  FLAT: LayerSpec = { kind: 'flatten' };

/** Tiny networks that isolate one layer type's backward each (input 2x8x8, 10 classes). */
const PER_LAYER: Record<string, LayerSpec[]> = {
  'dense (dW, db)': [FLAT, dense(10)],
  'dense dX + relu': [FLAT, dense(6), RELU, dense(10)],
  'conv dW, db': [conv(3), FLAT, dense(10)],
  'conv dX (ConvTranspose)': [conv(3), conv(4), FLAT, dense(10)],
  'maxpool (MaxUnpool)': [conv(3), POOL, FLAT, dense(10)],
  'conv relu pool stack': [conv(3), RELU, POOL, conv(4), RELU, POOL, FLAT, dense(5), RELU, dense(10)],
};

function randomBatch(arch: Architecture, count: number, seed: number) {
  const rng = createRng(seed);
  const pixels = arch.inputCHW.reduce((a, b) => a * b, 1);
  const imagesBxHxW = Float32Array.from({ length: count * pixels }, () => nextFloat(rng));
  const labelsB = Int32Array.from({ length: count }, () => nextInt(rng, 10));
  return { imagesBxHxW, labelsB, count };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Central difference of the float64 reference along unit direction d (h = 1e-6), compared with the
 * graph's gradient·d. Returns the error relative to |grad| (the largest directional derivative).
 */
async function checkGradient(
  arch: Architecture,
  count: number,
  seed: number,
): Promise<{ lossErr: number; dirErrs: number[] }> {
  const net = new Network(arch, { threads: 2 });
  try {
    const theta32 = initParams(net.layout, seed);
    const batch = randomBatch(arch, count, seed + 1);
    const { loss, gradP } = await net.lossAndGrad(theta32, batch);
    const theta = Float64Array.from(theta32);
    const ref = (t: ArrayLike<number>) => referenceLoss(arch, t, batch.imagesBxHxW, batch.labelsB);
    const refLoss = ref(theta);
    const gNorm = Math.sqrt(dot(gradP, gradP));
    const rng = createRng(seed + 2);
    const directions = [Float64Array.from(gradP, (g) => g / gNorm)];
    for (let i = 0; i < 2; i++) {
      const d = Float64Array.from({ length: net.size }, () => nextNormal(rng));
      const n = Math.sqrt(dot(d, d));
      directions.push(d.map((v) => v / n));
    }
    const h = 1e-6;
    const dirErrs = directions.map((d) => {
      const fd =
        (ref(theta.map((t, i) => t + h * d[i]!)) - ref(theta.map((t, i) => t - h * d[i]!))) / (2 * h);
      return Math.abs(fd - dot(gradP, d)) / gNorm;
    });
    return { lossErr: Math.abs(loss - refLoss) / Math.max(1, Math.abs(refLoss)), dirErrs };
  } finally {
    await net.close();
  }
}

// float32 graphs against float64 references: losses agree to 1e-5 relative, directional
// derivatives to 1e-5 of |grad| (measured: 7e-11 to 1.4e-7).
const LOSS_TOL = 1e-5,
  GRAD_TOL = 1e-5;

describe('backward graphs per layer type match finite differences', () => {
  for (const [label, layers] of Object.entries(PER_LAYER)) {
    it(label, async () => {
      const arch: Architecture = { name: label, inputCHW: [2, 8, 8], layers };
      const { lossErr, dirErrs } = await checkGradient(arch, 4, 11);
      assert.ok(lossErr < LOSS_TOL, `loss error ${lossErr}`);
      for (const e of dirErrs)
        assert.ok(e < GRAD_TOL, `directional derivative error ${e} (errors ${dirErrs.join(', ')})`);
    });
  }
});

describe('backward graphs of the named networks match finite differences', () => {
  for (const [name, count] of [
    ['mlp', 8],
    ['cnn-29k', 4],
    ['cnn-3m', 2],
  ] as const) {
    it(name, async () => {
      const { lossErr, dirErrs } = await checkGradient(getArchitecture(name), count, 5);
      assert.ok(lossErr < LOSS_TOL, `loss error ${lossErr}`);
      for (const e of dirErrs)
        assert.ok(e < GRAD_TOL, `directional derivative error ${e} (errors ${dirErrs.join(', ')})`);
    });
  }
});

// Checks the derived backward graphs: the ONNX loss against a float64 loop reference, and the ONNX
// gradient against central finite differences of that reference, per layer kind (strides, SAME and
// valid padding, even kernels, overlapping pools, activations, mse) and per network.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Network } from '../../src/backend/network.ts';
import { type Architecture, getArchitecture, type LayerSpec } from '../../src/model/architecture.ts';
import { initParams } from '../../src/model/init.ts';
import { createRng, nextFloat, nextInt, nextNormal } from '../../src/rng/prng.ts';
import { referenceLoss } from '../helpers/reference-net.ts';

const dense = (units: number): LayerSpec => ({ kind: 'dense', units });
const conv = (filters: number, kernel = 5, stride = 1, padding: 'same' | 'valid' = 'same'): LayerSpec => ({
  kind: 'conv2d',
  filters,
  kernel,
  stride,
  padding,
});
const maxpool = (kernel: number, stride = kernel): LayerSpec => ({ kind: 'maxpool', kernel, stride });
const avgpool = (kernel: number, stride = kernel): LayerSpec => ({ kind: 'avgpool', kernel, stride });
const RELU: LayerSpec = { kind: 'relu' },
  TANH: LayerSpec = { kind: 'tanh' },
  SIGMOID: LayerSpec = { kind: 'sigmoid' },
  LEAKY: LayerSpec = { kind: 'leaky-relu', alpha: 0.2 },
  POOL = maxpool(2),
  FLAT: LayerSpec = { kind: 'flatten' };

/** Tiny networks that isolate one layer kind's backward each (input 2x8x8 unless given, 10 classes). */
const PER_LAYER: Record<string, LayerSpec[] | Omit<Architecture, 'name'>> = {
  'dense (dW, db)': [FLAT, dense(10)],
  'dense dX + relu': [FLAT, dense(6), RELU, dense(10)],
  'conv dW, db': [conv(3), FLAT, dense(10)],
  'conv dX (ConvTranspose)': [conv(3), conv(4), FLAT, dense(10)],
  'maxpool (MaxUnpool)': [conv(3), POOL, FLAT, dense(10)],
  'conv relu pool stack': [conv(3), RELU, POOL, conv(4), RELU, POOL, FLAT, dense(5), RELU, dense(10)],
  // SAME with an even kernel pads 1 before and 2 after (k = 4) or 0 and 1 (k = 2).
  'conv even kernel SAME (k 4, then k 2)': [conv(3, 4), conv(4, 2), FLAT, dense(10)],
  // 8 → 3: (8 − 3) mod 2 = 1 row no window reads (dW cropped, dX output_padding).
  'conv stride 2 valid, remainder 1': [conv(3, 3), conv(4, 3, 2, 'valid'), FLAT, dense(10)],
  'conv stride 2 valid, remainder 0 (k 4)': [conv(3, 3), conv(4, 4, 2, 'valid'), FLAT, dense(10)],
  // SAME stride 2, k 5 on 8: output 4, pads 1 before and 2 after.
  'conv stride 2 SAME, asymmetric pads': [conv(3, 3), conv(4, 5, 2), FLAT, dense(10)],
  'conv stride 3 SAME, even kernel': [conv(3, 3), conv(4, 4, 3), FLAT, dense(10)],
  // k 1 s 2 on 8: no padding, the last row and col are never read.
  'conv 1x1 stride 2': [conv(3, 3), conv(4, 1, 2), FLAT, dense(10)],
  'maxpool 3/2 overlapping windows add (ScatterElements)': [conv(3, 3), maxpool(3, 2), FLAT, dense(10)],
  'maxpool 2/3 (gaps between windows)': [conv(3, 3), maxpool(2, 3), FLAT, dense(10)],
  'avgpool 2': [conv(3, 3), avgpool(2), FLAT, dense(10)],
  'avgpool 3/2 overlapping, remainder 1': [conv(3, 3), avgpool(3, 2), FLAT, dense(10)],
  'avgpool 2/3 (gaps)': [conv(3, 3), avgpool(2, 3), FLAT, dense(10)],
  tanh: [conv(3, 3), TANH, FLAT, dense(6), TANH, dense(10)],
  // the spec net trained on every evaluator in test/evaluate/spec-evaluators.test.ts
  '3×3 conv, tanh, avgpool (the evaluators test net)': [conv(4, 3), TANH, avgpool(2), FLAT, dense(10)],
  sigmoid: [conv(3, 3), SIGMOID, FLAT, dense(6), SIGMOID, dense(10)],
  'leaky-relu (alpha 0.2)': [conv(3, 3), LEAKY, FLAT, dense(6), LEAKY, dense(10)],
  'leaky-relu (default alpha)': [FLAT, dense(6), { kind: 'leaky-relu' }, dense(10)],
  'mse loss (dense)': { inputCHW: [2, 8, 8], layers: [FLAT, dense(6), SIGMOID, dense(10)], loss: 'mse' },
  'mse loss (conv, pool)': {
    inputCHW: [2, 8, 8],
    layers: [conv(3, 3), RELU, maxpool(2), FLAT, dense(10)],
    loss: 'mse',
  },
  '3-channel input, mixed stack': {
    inputCHW: [3, 11, 9],
    layers: [
      conv(4, 2, 2),
      LEAKY,
      conv(5, 3, 1, 'valid'),
      TANH,
      avgpool(2, 1),
      maxpool(2),
      FLAT,
      dense(6),
      SIGMOID,
      dense(10),
    ],
  },
  'activation and pooling before the first conv': {
    inputCHW: [2, 9, 9],
    layers: [TANH, maxpool(3, 2), conv(3, 3), FLAT, dense(10)],
  },
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
  for (const [label, spec] of Object.entries(PER_LAYER)) {
    it(label, async () => {
      const arch: Architecture = Array.isArray(spec)
        ? { name: label, inputCHW: [2, 8, 8], layers: spec }
        : { name: label, ...spec };
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

// The gradient graph on ONNX Runtime's NCHWc kernels (model/blocked.ts): networks that take each of its
// paths (fused activations, folded relu, k² pooling masks, asymmetric and valid pads, reorders in and
// out, the ConvTranspose fallback) against central differences of the float64 reference and against
// the standard-ops graph.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { batchFeeds, paramFeeds } from '../../src/backend/feeds.ts';
import { Network } from '../../src/backend/network.ts';
import { nchwcBlockSize } from '../../src/backend/session.ts';
import { type Architecture, type LayerSpec, numClasses, paramLayout } from '../../src/model/architecture.ts';
import { gradGraph, IO } from '../../src/model/graphs.ts';
import { initParams } from '../../src/model/init.ts';
import { createRng, nextFloat, nextInt, nextNormal } from '../../src/rng/prng.ts';
import { referenceLoss } from '../helpers/reference-net.ts';

const conv = (
  filters: number,
  kernel: number,
  padding: 'same' | 'valid' = 'same',
  stride = 1,
): LayerSpec => ({
  kind: 'conv2d',
  filters,
  kernel,
  stride,
  padding,
});
const RELU: LayerSpec = { kind: 'relu' },
  TANH: LayerSpec = { kind: 'tanh' },
  SIGMOID: LayerSpec = { kind: 'sigmoid' },
  LEAKY: LayerSpec = { kind: 'leaky-relu', alpha: 0.2 },
  FLAT: LayerSpec = { kind: 'flatten' },
  DENSE: LayerSpec = { kind: 'dense', units: 10 };
const pool = (kind: 'maxpool' | 'avgpool', kernel: number): LayerSpec => ({ kind, kernel, stride: kernel });

/** 16 filters fill whole blocks of 16 (AVX-512) or 8 (AVX2). */
const NETS: Record<string, Omit<Architecture, 'name'>> = {
  'conv relu maxpool twice (relu fused, then folded into the pool masks)': {
    inputCHW: [1, 8, 8],
    layers: [conv(16, 3), RELU, pool('maxpool', 2), conv(16, 3), RELU, pool('maxpool', 2), FLAT, DENSE],
  },
  'even kernels SAME (asymmetric pads), tanh and sigmoid fused': {
    inputCHW: [1, 6, 6],
    layers: [conv(16, 4), TANH, conv(16, 2), SIGMOID, FLAT, DENSE],
  },
  'valid pads, leaky relu (not fused), maxpool 3 (9 masks)': {
    inputCHW: [1, 9, 9],
    layers: [conv(16, 4, 'valid'), LEAKY, pool('maxpool', 3), conv(16, 2, 'valid'), FLAT, DENSE],
  },
  'a block of input channels (reordered in), untiled maxpool and avgpool on NCHW': {
    inputCHW: [16, 7, 7],
    layers: [conv(16, 3), RELU, pool('maxpool', 2), conv(16, 3), pool('avgpool', 2), FLAT, DENSE],
  },
  'stride 2 after a blocked conv (reordered out), fewer channels than a block (ConvTranspose dX)': {
    inputCHW: [1, 6, 6],
    layers: [conv(4, 3), conv(16, 3), RELU, conv(16, 3, 'same', 2), FLAT, DENSE],
  },
};

function randomBatch(arch: Architecture, count: number, seed: number) {
  const rng = createRng(seed);
  const pixels = arch.inputCHW.reduce((a, b) => a * b, 1);
  const imagesBxHxW = Float32Array.from({ length: count * pixels }, () => nextFloat(rng));
  const labelsB = Int32Array.from({ length: count }, () => nextInt(rng, 10));
  return { imagesBxHxW, labelsB, count };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** The gradient of a graph built with `nchwcBlock` (0: standard ops), run directly. */
async function graphGradient(
  arch: Architecture,
  nchwcBlock: number,
  theta: Float32Array,
  batch: ReturnType<typeof randomBatch>,
) {
  const session = await ort.InferenceSession.create(gradGraph(arch, { nchwcBlock }), {
    intraOpNumThreads: 2,
  });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    paramFeeds(paramLayout(arch), theta, 0, (n) => n, feeds);
    batchFeeds(batch, { exampleDims: arch.inputCHW, classes: numClasses(arch) }, IO.x, IO.y, feeds);
    return (await session.run(feeds))[IO.grad]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

const bs = await nchwcBlockSize();

describe('gradients on NCHWc kernels', {
  skip: bs === 0 ? 'no NCHWc kernels in this ONNX Runtime build' : false,
}, () => {
  for (const [label, spec] of Object.entries(NETS)) {
    it(label, async () => {
      const arch: Architecture = { name: label, ...spec };
      const net = new Network(arch, { threads: 2 });
      try {
        const theta32 = initParams(net.layout, 11);
        const batch = randomBatch(arch, 4, 12);
        const { loss, gradP } = await net.lossAndGrad(theta32, batch);
        const theta = Float64Array.from(theta32);
        const ref = (t: ArrayLike<number>) => referenceLoss(arch, t, batch.imagesBxHxW, batch.labelsB);
        assert.ok(Math.abs(loss - ref(theta)) < 1e-5 * Math.max(1, Math.abs(ref(theta))), 'loss');
        // central differences along the gradient and two random unit directions (h = 1e-6)
        const gNorm = Math.sqrt(dot(gradP, gradP));
        const rng = createRng(13);
        const dirs = [Float64Array.from(gradP, (g) => g / gNorm)];
        for (let i = 0; i < 2; i++) {
          const d = Float64Array.from({ length: net.size }, () => nextNormal(rng));
          dirs.push(d.map((v) => v / Math.sqrt(dot(d, d))));
        }
        const h = 1e-6;
        for (const d of dirs) {
          const fd =
            (ref(theta.map((t, i) => t + h * d[i]!)) - ref(theta.map((t, i) => t - h * d[i]!))) / (2 * h);
          const err = Math.abs(fd - dot(gradP, d)) / gNorm;
          assert.ok(err < 1e-5, `directional derivative error ${err}`);
        }
        // the same gradient as the standard-ops graph, up to float32 rounding of reordered sums
        const plain = await graphGradient(arch, 0, theta32, batch);
        let worst = 0;
        for (let i = 0; i < plain.length; i++) worst = Math.max(worst, Math.abs(plain[i]! - gradP[i]!));
        assert.ok(worst < 1e-5 * Math.max(...plain.map(Math.abs)), `max |Δgrad| ${worst}`);
      } finally {
        await net.close();
      }
    });
  }
});

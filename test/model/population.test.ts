// Checks the population graph: the loss of member k equals a single forward pass of the loss graph
// at θ + c_k·ε_k (perturbed here in JS), on a shared mini-batch, on per-member batches and with
// mirrored pairs, for the named networks and for networks of every layer kind, with ORT's NCHWc
// kernels and with standard ops only; and the named networks' graphs keep their ops.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { Network } from '../../src/backend/network.ts';
import { nchwcBlockSize } from '../../src/backend/session.ts';
import { type Architecture, getArchitecture, type LayerSpec } from '../../src/model/architecture.ts';
import { populationGraph } from '../../src/model/graphs.ts';
import { initParams } from '../../src/model/init.ts';
import { createRng, nextFloat, nextInt, nextNormal } from '../../src/rng/prng.ts';

type Rng = ReturnType<typeof createRng>;

function randomBatch(arch: Architecture, count: number, rng: Rng) {
  const pixels = arch.inputCHW.reduce((a, b) => a * b, 1);
  return {
    imagesBxHxW: Float32Array.from({ length: count * pixels }, () => nextFloat(rng)),
    labelsB: Int32Array.from({ length: count }, () => nextInt(rng, 10)),
    count,
  };
}

const conv = (
  filters: number,
  kernel: number,
  stride = 1,
  padding: 'same' | 'valid' = 'same',
): LayerSpec => ({
  kind: 'conv2d',
  filters,
  kernel,
  stride,
  padding,
});
const dense = (units: number): LayerSpec => ({ kind: 'dense', units });
const FLAT: LayerSpec = { kind: 'flatten' };

/**
 * Networks of the new layer kinds. Channel counts of 16 and 32 take the NCHWc paths (block 8 or 16):
 * the stacked first conv on a shared batch, one conv per copy on own batches, grouped blocked convs,
 * fused tanh/sigmoid/leaky-relu, NCHWc max and average pooling; 3 and 5 filters fall back to
 * standard ops.
 */
const SPECS: Architecture[] = [
  {
    name: 'even kernels, overlapping maxpool, tanh, sigmoid, 3 channels',
    inputCHW: [3, 9, 9],
    layers: [
      conv(16, 4),
      { kind: 'tanh' },
      { kind: 'maxpool', kernel: 3, stride: 2 },
      conv(16, 2),
      { kind: 'sigmoid' },
      FLAT,
      dense(10),
    ],
  },
  {
    name: 'stride 2 valid, leaky-relu, avgpool, mse',
    inputCHW: [1, 10, 10],
    layers: [
      conv(16, 3, 2, 'valid'),
      { kind: 'leaky-relu', alpha: 0.1 },
      conv(32, 3),
      { kind: 'relu' },
      { kind: 'avgpool', kernel: 2, stride: 2 },
      FLAT,
      dense(8),
      { kind: 'tanh' },
      dense(10),
    ],
    loss: 'mse',
  },
  {
    name: 'few channels (standard ops), strided SAME, overlapping avgpool',
    inputCHW: [2, 8, 8],
    layers: [
      conv(3, 5, 2),
      { kind: 'sigmoid' },
      { kind: 'avgpool', kernel: 3, stride: 1 },
      conv(5, 2, 1, 'valid'),
      { kind: 'leaky-relu' },
      FLAT,
      dense(10),
    ],
  },
  {
    name: '16-channel input, activation and pooling before the first conv',
    inputCHW: [16, 6, 6],
    layers: [
      { kind: 'tanh' },
      { kind: 'maxpool', kernel: 2, stride: 1 },
      conv(16, 3, 2),
      { kind: 'relu' },
      FLAT,
      dense(10),
    ],
  },
  {
    name: '16-channel input, conv first',
    inputCHW: [16, 5, 5],
    layers: [conv(16, 3, 1, 'valid'), { kind: 'sigmoid' }, FLAT, dense(10)],
  },
];

function describePopulation(arch: Architecture, nchwc: boolean, K: number, batchRows: number): void {
  describe(`population graph of ${arch.name}${nchwc ? '' : ' (standard ops)'}`, () => {
    const rng = createRng(3);
    const net = new Network(arch, { threads: 2, nchwc });
    const thetaP = initParams(net.layout, 3);
    const noise = Float32Array.from({ length: net.size + 1000 }, () => nextNormal(rng));
    const copies = Array.from({ length: K }, (_, k) => ({ offset: 97 * k, coef: (k % 2 ? -1 : 1) * 0.05 }));
    // Mirrored pairs: copies 2u and 2u+1 at one offset with opposite signs.
    const pairs = Array.from({ length: K - (K % 2) }, (_, k) => ({
      offset: 131 * (k >> 1),
      coef: (k % 2 ? -1 : 1) * 0.05,
    }));

    async function singleLoss(
      c: { offset: number; coef: number },
      batch: ReturnType<typeof randomBatch>,
    ): Promise<number> {
      const perturbed = thetaP.map((t, i) => Math.fround(t + Math.fround(c.coef * noise[c.offset + i]!)));
      return (await net.loss(perturbed, batch)).loss;
    }

    async function check(
      cs: typeof copies,
      batches: ReturnType<typeof randomBatch>[],
    ): Promise<Float32Array> {
      const losses = await net.populationLosses(thetaP, noise, cs, batches);
      assert.equal(losses.length, cs.length);
      for (let k = 0; k < cs.length; k++) {
        const single = await singleLoss(cs[k]!, batches[k]!);
        assert.ok(
          Math.abs(losses[k]! - single) <= 1e-6 * Math.abs(single),
          `member ${k}: ${losses[k]} vs ${single}`,
        );
      }
      return losses;
    }

    it('matches single forwards on a shared mini-batch', async () => {
      const batch = randomBatch(arch, batchRows, rng);
      const losses = await check(
        copies,
        copies.map(() => batch),
      );
      assert.equal(new Set(losses).size, K, 'perturbations must change the loss');
    });

    it('matches single forwards on per-member batches', async () => {
      await check(
        copies,
        copies.map(() => randomBatch(arch, 7, rng)),
      );
    });

    it('matches single forwards with mirrored pairs (shared and own batches)', async () => {
      const batch = randomBatch(arch, batchRows, rng);
      await check(
        pairs,
        pairs.map(() => batch),
      );
      await check(
        pairs,
        pairs.map(() => randomBatch(arch, 5, rng)),
      );
      await net.close();
    });
  });
}

for (const model of ['mlp', 'cnn-29k', 'cnn-3m']) describePopulation(getArchitecture(model), true, 5, 20);
for (const arch of SPECS) {
  describePopulation(arch, true, 5, 12);
  describePopulation(arch, false, 4, 12);
}

/** Op counts of a population graph, `nchwc.` for ops in ORT's NCHWc domain. */
function opCounts(bytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of onnxProto.onnx.ModelProto.decode(bytes).graph?.node ?? []) {
    const op = (n.domain === 'com.microsoft.nchwc' ? 'nchwc.' : '') + n.opType;
    counts[op] = (counts[op] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('population graph ops', () => {
  it("the named networks keep the per-layer graph's ops (NCHWc convs and pools, dense as h·W + c·(h·e))", () => {
    // Recorded from the graph before the per-layer emitters (commit 41621c4): same ops, same speed.
    const cases: [string, number, boolean, boolean, number, Record<string, number>][] = [
      [
        'cnn-3m',
        4,
        true,
        true,
        16,
        {
          Add: 10,
          Concat: 9,
          LogSoftmax: 1,
          MatMul: 6,
          Mul: 9,
          Neg: 1,
          ReduceMean: 1,
          ReduceSum: 1,
          Relu: 1,
          Reshape: 49,
          Split: 2,
          Transpose: 2,
          Unsqueeze: 1,
          'nchwc.Conv': 2,
          'nchwc.MaxPool': 2,
          'nchwc.ReorderOutput': 1,
        },
      ],
      [
        'cnn-29k',
        10,
        true,
        true,
        16,
        {
          Add: 7,
          Concat: 7,
          LogSoftmax: 1,
          MatMul: 6,
          Mul: 7,
          Neg: 1,
          ReduceMean: 1,
          ReduceSum: 1,
          Reshape: 66,
          Split: 1,
          Transpose: 2,
          Unsqueeze: 1,
          'nchwc.Conv': 2,
          'nchwc.MaxPool': 2,
          'nchwc.ReorderOutput': 1,
        },
      ],
      [
        'cnn-29k',
        4,
        false,
        false,
        8,
        {
          Add: 13,
          Concat: 7,
          LogSoftmax: 1,
          MatMul: 5,
          Mul: 13,
          Neg: 1,
          ReduceMean: 1,
          ReduceSum: 1,
          Reshape: 45,
          Split: 1,
          Transpose: 5,
          Unsqueeze: 4,
          'nchwc.Conv': 5,
          'nchwc.MaxPool': 2,
          'nchwc.ReorderOutput': 1,
        },
      ],
      [
        'mlp',
        4,
        false,
        true,
        16,
        {
          Add: 6,
          Concat: 7,
          LogSoftmax: 1,
          MatMul: 6,
          Mul: 5,
          Neg: 1,
          ReduceMean: 1,
          ReduceSum: 1,
          Relu: 1,
          Reshape: 25,
          Split: 2,
          Unsqueeze: 4,
        },
      ],
    ];
    for (const [model, K, sharedBatch, pairs, nchwcBlock, expected] of cases) {
      const bytes = populationGraph(getArchitecture(model), K, { sharedBatch, pairs, nchwcBlock });
      assert.deepEqual(opCounts(bytes), expected, `${model} K=${K} shared=${sharedBatch} pairs=${pairs}`);
    }
  });

  it('convs and pools of 16 and 32 channels run as NCHWc ops, activations fused', async () => {
    const bs = 16;
    for (const sharedBatch of [true, false]) {
      const a = opCounts(populationGraph(SPECS[0]!, 4, { sharedBatch, nchwcBlock: bs }));
      assert.equal(a.Conv, undefined);
      assert.equal(a['nchwc.Conv'], sharedBatch ? 2 : 5); // own batches: one conv per copy first
      assert.equal(a['nchwc.MaxPool'], 1);
      assert.equal(a.Tanh ?? 0, 0, 'tanh fused into the conv');
      const b = opCounts(populationGraph(SPECS[1]!, 4, { sharedBatch, nchwcBlock: bs }));
      assert.equal(b.Conv, undefined);
      assert.equal(b['nchwc.AveragePool'], 1);
      assert.equal(b.LeakyRelu ?? 0, 0, 'leaky-relu fused into the conv');
      assert.equal(b.Tanh, 1, 'the tanh after a dense layer is its own op');
      const d = opCounts(populationGraph(SPECS[3]!, 4, { sharedBatch, nchwcBlock: bs }));
      assert.equal(d.Conv, undefined);
      assert.equal(d['nchwc.ReorderInput'], 1);
      // Before the first conv a shared batch is activated and pooled once for all copies.
      assert.equal(d.MaxPool, 1);
    }
    const wide = opCounts(populationGraph(SPECS[4]!, 4, { sharedBatch: false, nchwcBlock: bs }));
    assert.deepEqual([wide.Conv, wide['nchwc.ReorderInput'], wide['nchwc.Conv']], [undefined, 1, 1]);
    const few = opCounts(populationGraph(SPECS[2]!, 4, { sharedBatch: true, nchwcBlock: bs }));
    assert.equal(few['nchwc.Conv'], undefined);
    assert.equal(few.Conv, 2);
    // This machine's block size, if any, is 8 or 16: the networks above take the same paths with 8.
    assert.ok([0, 8, 16].includes(await nchwcBlockSize()));
  });
});

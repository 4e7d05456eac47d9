// Imported-ONNX population evaluation: cnn-29k written as a standalone ONNX file and trained through
// OnnxModel, K offspring per ORT call vs one call per offspring, beside the spec Network of cnn-29k.
import onnxProto from 'onnx-proto';
import type { Model } from '../src/backend/model.ts';
import { Network } from '../src/backend/network.ts';
import { OnnxModel } from '../src/backend/onnx-model.ts';
import { GraphBuilder } from '../src/model/onnx-builder.ts';
import type { Batch } from '../src/types.ts';
import { POPULATION_BATCH } from './population.ts';
import type { BenchRow } from './table.ts';
import { interleaved, randomBatch, randomF32, timeIt } from './timing.ts';

/** cnn-29k's parameters: conv 5×5 16 → relu → maxpool 2 → conv 5×5 32 → relu → maxpool 2 → dense 10. */
const PARAMS: readonly (readonly [string, number[]])[] = [
  ['conv1.weight', [16, 1, 5, 5]],
  ['conv1.bias', [16]],
  ['conv2.weight', [32, 16, 5, 5]],
  ['conv2.bias', [32]],
  ['fc1.weight', [1568, 10]],
  ['fc1.bias', [10]],
];
/** Multiply-accumulates of one example: the two convolutions (SAME, 28² and 14²) and the dense layer. */
const MACS_PER_EXAMPLE = 16 * 28 * 28 * 25 + 32 * 14 * 14 * 16 * 25 + 1568 * 10;
const KS = [1, 4, 10];

/** cnn-29k as a standalone ONNX file: float initializers (small random weights) are what OnnxModel trains. */
export function cnn29kOnnx(): Uint8Array {
  const g = new GraphBuilder('cnn-29k-onnx');
  g.input('input', 'float32', ['N', 1, 28, 28]);
  const block = (x: string, i: number): string => {
    const conv = g.op1('Conv', [x, `conv${i}.weight`, `conv${i}.bias`], { pads: [2, 2, 2, 2] });
    return g.op1('MaxPool', [g.op1('Relu', [conv])], { kernel_shape: [2, 2], strides: [2, 2] });
  };
  const flat = g.op1('Flatten', [block(block('input', 1), 2)], { axis: 1 });
  g.op1('Gemm', [flat, 'fc1.weight', 'fc1.bias'], {}, 'logits');
  g.output('logits', 'float32', ['N', 10]);
  const model = onnxProto.onnx.ModelProto.decode(g.toBytes());
  model.graph!.initializer = PARAMS.map(([name, dims], i) => ({
    name,
    dataType: 1,
    dims,
    floatData: [
      ...randomF32(
        dims.reduce((a, b) => a * b, 1),
        11 + i,
      ),
    ].map((v) => 0.1 * v),
  }));
  return onnxProto.onnx.ModelProto.encode(model).finish();
}

/** K copies in mirrored pairs at scattered offsets (an odd K ends with a lone copy), σ = 0.002. */
const pairedCopies = (K: number) =>
  Array.from({ length: K }, (_, k) => ({ offset: 7919 * (k >> 1), coef: k % 2 ? -0.002 : 0.002 }));

/**
 * Offspring/s on a shared batch of 50 (and own batches at K = 10): the imported model with K copies
 * per call (K = 1 is one call per offspring), with and without its NCHWc Conv rewrite, one loss() call
 * per offspring with θ perturbed in JS, and the spec Network of cnn-29k with the same K. The variants
 * of one K are timed round-robin (interleaved), so drifts of a shared machine hit them alike.
 */
export async function benchOnnxImport(repeats: number): Promise<BenchRow[]> {
  const bytes = cnn29kOnnx();
  const models: [string, Model][] = [
    ['cnn-29k (imported ONNX)', new OnnxModel({ name: 'cnn-29k.onnx', bytes, loss: 'cross-entropy' })],
    [
      'cnn-29k (imported ONNX, no NCHWc)',
      new OnnxModel({ name: 'cnn-29k.onnx', bytes, loss: 'cross-entropy' }, { nchwc: false }),
    ],
    ['cnn-29k (spec)', Network.byName('cnn-29k')],
  ];
  const shared = randomBatch(POPULATION_BATCH);
  const flopPerOffspring = 2 * MACS_PER_EXAMPLE * POPULATION_BATCH;
  const row = (name: string, K: number, seconds: number, note: string): BenchRow => ({
    section: 'population',
    name,
    batch: POPULATION_BATCH,
    seconds,
    rate: K / seconds,
    unit: 'offspring/s',
    gflops: ((K / seconds) * flopPerOffspring) / 1e9,
    note,
  });
  const population = (model: Model, K: number, own: boolean): (() => Promise<Float32Array>) => {
    const thetaP = model.initialTheta(1);
    const noise = randomF32(model.size + 100_000, 3);
    const copies = pairedCopies(K);
    const batches: Batch[] = copies.map((_, k) => (own ? randomBatch(POPULATION_BATCH, 100 + k) : shared));
    return () => model.populationLosses(thetaP, noise, copies, batches);
  };
  const rows: BenchRow[] = [];
  const runs: [number, boolean][] = [...KS.map((K): [number, boolean] => [K, false]), [10, true]];
  for (const [K, own] of runs) {
    const note = `K=${K} per run, ${own ? 'own batches' : 'shared batch'}`;
    const seconds = await interleaved(
      models.map(([, m]) => population(m, K, own)),
      repeats,
    );
    models.forEach(([name], i) => {
      rows.push(row(name, K, seconds[i]!, note));
    });
  }
  // The naive route: perturb θ in JS and call loss() once per offspring.
  const onnx = models[0]![1];
  const thetaP = onnx.initialTheta(1);
  const noise = randomF32(onnx.size, 3);
  const perturbed = new Float32Array(onnx.size);
  const t = await timeIt(
    () => {
      for (let i = 0; i < perturbed.length; i++) perturbed[i] = thetaP[i]! + 0.002 * noise[i]!;
      return onnx.loss(perturbed, shared);
    },
    repeats,
    2,
  );
  rows.push(row(models[0]![0], 1, t.median, 'loss() per offspring, θ perturbed in JS'));
  for (const [, m] of models) await m.close();
  return rows;
}

// Lab: the in-graph perturbation θ + c·ε in isolation (Mul + Add over P floats per copy, K = 10
// copies per run, each ε a zero-copy window of a 2**25-float table), for P of cnn-3m and cnn-29k.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { randomF32 } from '../timing.ts';
import { compareVariants, type Variant } from './variants.ts';

const K = 10;
const table = randomF32(2 ** 25, 1);
for (const P of [3_274_634, 28_938]) {
  const theta = new ort.Tensor('float32', randomF32(P, 2), [P]);
  const feeds: Record<string, ort.Tensor> = { theta };
  for (let k = 0; k < K; k++) {
    feeds[`e${k}`] = new ort.Tensor('float32', table.subarray(k * 1_000_003, k * 1_000_003 + P), [P]);
    feeds[`c${k}`] = new ort.Tensor('float32', Float32Array.of(k % 2 ? -0.002 : 0.002), []);
  }
  // Each perturbed copy is consumed by a 1-element Slice so it is materialised but nothing big is output.
  const perCopy = new GraphBuilder('mul-add');
  perCopy.input('theta', 'float32', [P]);
  const outs: string[] = [];
  for (let k = 0; k < K; k++) {
    perCopy.input(`e${k}`, 'float32', [P]);
    perCopy.input(`c${k}`, 'float32', []);
    const w = perCopy.op1('Add', ['theta', perCopy.op1('Mul', [`e${k}`, `c${k}`])]);
    outs.push(perCopy.op1('Slice', [w, perCopy.constant([0]), perCopy.constant([1])]));
  }
  perCopy.op1('Concat', outs, { axis: 0 }, 'y');
  perCopy.output('y', 'float32', [K]);
  const bytesMoved = K * P * 4 * 5; // Mul: read ε, write; Add: read θ, read, write
  const vs: Variant[] = [
    { label: `P=${P}: K=${K} x (Mul + Add), GB/s of 5 passes`, graph: perCopy, feeds, work: bytesMoved },
  ];
  await compareVariants(vs, 15, 'GB/s');
}

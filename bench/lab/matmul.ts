// Lab: ORT MatMul GFLOP/s for the GEMM shapes of the networks, threads as argv[2] (0 = all cores),
// with the output summed in-graph vs returned to JS (a big output costs a copy and page faults).
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { randomF32 } from '../timing.ts';
import { compareVariants, sink, type Variant } from './variants.ts';

const threads = Number(process.argv[2] ?? 0);
const vs: Variant[] = [];
for (const [m, k, n] of [
  [2048, 2048, 2048],
  [9800, 400, 32],
  [9800, 800, 64],
  [39200, 25, 32],
  [50, 3136, 1024],
  [500, 3136, 1024],
] as const) {
  for (const reduce of [true, false]) {
    const g = new GraphBuilder('mm');
    g.input('a', 'float32', [m, k]);
    g.input('b', 'float32', [k, n]);
    if (reduce) sink(g, g.op1('MatMul', ['a', 'b']));
    else {
      g.op1('MatMul', ['a', 'b'], {}, 'c');
      g.output('c', 'float32', [m, n]);
    }
    const feeds = {
      a: new ort.Tensor('float32', randomF32(m * k), [m, k]),
      b: new ort.Tensor('float32', randomF32(k * n, 2), [k, n]),
    };
    vs.push({
      label: `${m}x${k}x${n} ${reduce ? 'output summed in-graph' : 'output returned to JS'}`,
      graph: g,
      feeds,
      work: 2 * m * k * n,
      opts: { threads },
    });
  }
}
await compareVariants(vs, Number(process.argv[3] ?? 9));

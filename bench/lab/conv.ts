// Lab: conv layer rates with weights as graph inputs vs initializers (NCHWc applies), grouped over
// K copies, and K filter banks stacked on a shared input.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { randomF32 } from '../timing.ts';
import { compareVariants, sink, type Variant } from './variants.ts';

const threads = Number(process.argv[2] ?? 0);
const K = Number(process.argv[3] ?? 10);
function t(d: Float32Array, dims: number[]) {
  return new ort.Tensor('float32', d, dims);
}
const attrs = { kernel_shape: [5, 5], pads: [2, 2, 2, 2] };
function convGraph(
  B: number,
  Cin: number,
  Cout: number,
  H: number,
  group: number,
  constW?: Float32Array,
): GraphBuilder {
  const g = new GraphBuilder('c');
  g.input('x', 'float32', [B, Cin * group, H, H]);
  let w = 'w',
    b = 'b';
  if (constW) {
    w = g.constant([...constW], 'float32', [Cout, Cin, 5, 5]);
    b = g.constant(new Array(Cout).fill(0.1), 'float32', [Cout]);
  } else {
    g.input('w', 'float32', [Cout * group, Cin, 5, 5]);
    g.input('b', 'float32', [Cout * group]);
  }
  sink(g, g.op1('Relu', [g.op1('Conv', ['x', w, b], group > 1 ? { ...attrs, group } : attrs)]));
  return g;
}
for (const [Cin, Cout, H] of [
  [1, 16, 28],
  [16, 32, 14],
  [1, 32, 28],
  [32, 64, 14],
] as const) {
  const B = 50;
  const flop1 = 2 * B * Cout * H * H * Cin * 25;
  const name = `${B}x${Cin}x${H}x${H}->${Cout}`;
  const x = t(randomF32(B * Cin * H * H), [B, Cin, H, H]);
  const w = randomF32(Cout * Cin * 25, 2);
  const wk = t(randomF32(K * Cout * Cin * 25), [K * Cout, Cin, 5, 5]),
    bk = t(randomF32(K * Cout), [K * Cout]);
  const vs: Variant[] = [
    {
      label: `${name} weights input`,
      graph: convGraph(B, Cin, Cout, H, 1),
      feeds: { x, w: t(w, [Cout, Cin, 5, 5]), b: t(randomF32(Cout), [Cout]) },
      work: flop1,
      opts: { threads },
    },
    {
      label: `${name} weights constant (NCHWc)`,
      graph: convGraph(B, Cin, Cout, H, 1, w),
      feeds: { x },
      work: flop1,
      opts: { threads },
    },
    {
      label: `${name} grouped K=${K}`,
      graph: convGraph(B, Cin, Cout, H, K),
      feeds: { x: t(randomF32(B * K * Cin * H * H), [B, K * Cin, H, H]), w: wk, b: bk },
      work: K * flop1,
      opts: { threads },
    },
  ];
  if (Cin === 1)
    vs.push({
      label: `${name} shared x, K=${K} filters stacked`,
      graph: convGraph(B, 1, K * Cout, H, 1),
      feeds: { x, w: wk, b: bk },
      work: K * flop1,
      opts: { threads },
    });
  await compareVariants(vs, 15);
}

// Lab: one conv layer (weights as graph inputs) four ways: NCHW batch Conv, "tall image" Conv (the batch
// stacked along H with 2 zero rows between images), NHWC im2col + MatMul, and the bare GEMM.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { randomF32 } from '../timing.ts';
import { compareVariants, sink, type Variant } from './variants.ts';

const threads = Number(process.argv[2] ?? 0);
const rounds = Number(process.argv[3] ?? 15);
const t = (d: Float32Array, dims: number[]) => new ort.Tensor('float32', d, dims);
const B = 50;
for (const [Cin, Cout, H] of [
  [1, 16, 28],
  [16, 32, 14],
  [1, 32, 28],
  [32, 64, 14],
] as const) {
  const flop = 2 * B * Cout * H * H * Cin * 25;
  const nm = `${Cin}x${H}x${H}->${Cout}`;
  const w = t(randomF32(Cout * Cin * 25, 2), [Cout, Cin, 5, 5]),
    b = t(randomF32(Cout, 3), [Cout]);
  const vs: Variant[] = [];
  {
    // NCHW
    const g = new GraphBuilder('a');
    g.input('x', 'float32', [B, Cin, H, H]);
    g.input('w', 'float32', [Cout, Cin, 5, 5]);
    g.input('b', 'float32', [Cout]);
    sink(g, g.op1('Relu', [g.op1('Conv', ['x', 'w', 'b'], { kernel_shape: [5, 5], pads: [2, 2, 2, 2] })]));
    vs.push({
      label: `${nm} NCHW Conv`,
      graph: g,
      feeds: { x: t(randomF32(B * Cin * H * H), [B, Cin, H, H]), w, b },
      work: flop,
      opts: { threads },
    });
  }
  {
    // tall: input CBHW [Cin, B, H, W] -> pad rows -> [1, Cin, B*(H+2), W] -> conv -> [Cout, B, H+2, W] -> slice
    const g = new GraphBuilder('b');
    g.input('x', 'float32', [Cin, B, H, H]);
    g.input('w', 'float32', [Cout, Cin, 5, 5]);
    g.input('b', 'float32', [Cout]);
    const padded = g.op1('Pad', ['x', g.constant([0, 0, 0, 0, 0, 0, 2, 0])]);
    const tall = g.op1('Reshape', [padded, g.constant([1, Cin, B * (H + 2), H])]);
    const y = g.op1('Relu', [g.op1('Conv', [tall, 'w', 'b'], { kernel_shape: [5, 5], pads: [2, 2, 2, 2] })]);
    const y4 = g.op1('Reshape', [y, g.constant([Cout, B, H + 2, H])]);
    sink(g, g.op1('Slice', [y4, g.constant([0]), g.constant([H]), g.constant([2])]));
    vs.push({
      label: `${nm} tall Conv (+pad/slice)`,
      graph: g,
      feeds: { x: t(randomF32(B * Cin * H * H), [Cin, B, H, H]), w, b },
      work: flop,
      opts: { threads },
    });
  }
  {
    // NHWC im2col + MatMul: x [B, H, W, Cin]
    const g = new GraphBuilder('c');
    g.input('x', 'float32', [B, H, H, Cin]);
    g.input('w', 'float32', [Cout, Cin, 5, 5]);
    g.input('b', 'float32', [Cout]);
    const xp = g.op1('Pad', ['x', g.constant([0, 2, 2, 0, 0, 2, 2, 0])]);
    const cols: string[] = [];
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++)
        cols.push(g.op1('Slice', [xp, g.constant([i, j]), g.constant([i + H, j + H]), g.constant([1, 2])]));
    const col = g.op1('Reshape', [g.op1('Concat', cols, { axis: 3 }), g.constant([B * H * H, 25 * Cin])]);
    const wm = g.op1('Reshape', [
      g.op1('Transpose', ['w'], { perm: [2, 3, 1, 0] }),
      g.constant([25 * Cin, Cout]),
    ]);
    sink(g, g.op1('Relu', [g.op1('Add', [g.op1('MatMul', [col, wm]), 'b'])]));
    vs.push({
      label: `${nm} NHWC im2col+MatMul`,
      graph: g,
      feeds: { x: t(randomF32(B * Cin * H * H), [B, H, H, Cin]), w, b },
      work: flop,
      opts: { threads },
    });
  }
  {
    // bare GEMM [B*H*W, 25*Cin] x [25*Cin, Cout]
    const g = new GraphBuilder('d');
    g.input('a', 'float32', [B * H * H, 25 * Cin]);
    g.input('m', 'float32', [25 * Cin, Cout]);
    sink(g, g.op1('MatMul', ['a', 'm']));
    vs.push({
      label: `${nm} bare GEMM ${B * H * H}x${25 * Cin}x${Cout}`,
      graph: g,
      feeds: {
        a: t(randomF32(B * H * H * 25 * Cin), [B * H * H, 25 * Cin]),
        m: t(randomF32(25 * Cin * Cout), [25 * Cin, Cout]),
      },
      work: flop,
      opts: { threads },
    });
  }
  await compareVariants(vs, rounds);
}

// Lab: hand-written com.microsoft.nchwc Conv with weights computed in-graph (filter reordered by
// Reshape/Transpose) vs the standard Conv with weights as inputs; checks the outputs agree.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { benchSession, randomF32 } from '../timing.ts';
import { withNchwcDomain } from './domains.ts';
import { compareVariants, sink, type Variant } from './variants.ts';

const threads = Number(process.argv[2] ?? 0);
const BS = 16;
const t = (d: Float32Array, dims: number[]) => new ort.Tensor('float32', d, dims);
/** OIHW -> OIHWBiBo (Cin >= block) or OIHWBo (Cin < block), as MlasReorderFilter* lay them out. */
function reorderFilter(g: GraphBuilder, w: string, O: number, I: number, k: number): string {
  const c = (v: number[]) => g.constant(v);
  if (I < BS)
    return g.op1('Reshape', [
      g.op1('Transpose', [g.op1('Reshape', [w, c([O / BS, BS, I, k, k])])], { perm: [0, 2, 3, 4, 1] }),
      c([O, I, k, k]),
    ]);
  return g.op1('Reshape', [
    g.op1('Transpose', [g.op1('Reshape', [w, c([O / BS, BS, I / BS, BS, k, k])])], {
      perm: [0, 2, 4, 5, 3, 1],
    }),
    c([O, I, k, k]),
  ]);
}
const B = 50;
for (const [Cin, Cout, H, G] of [
  [1, 16, 28, 1],
  [16, 32, 14, 1],
  [32, 64, 14, 1],
  [1, 160, 28, 1],
  [16, 32, 14, 10],
  [32, 64, 14, 10],
] as const) {
  const attrs = { kernel_shape: [5, 5], pads: [2, 2, 2, 2], group: G };
  const flop = 2 * B * G * Cout * H * H * Cin * 25;
  const x = t(randomF32(B * G * Cin * H * H), [B, G * Cin, H, H]);
  const w = t(
      randomF32(G * Cout * Cin * 25, 2).map((v) => v * 0.1),
      [G * Cout, Cin, 5, 5],
    ),
    b = t(randomF32(G * Cout, 3), [G * Cout]);
  const std = new GraphBuilder('s');
  std.input('x', 'float32', [B, G * Cin, H, H]);
  std.input('w', 'float32', [G * Cout, Cin, 5, 5]);
  std.input('b', 'float32', [G * Cout]);
  const ys = std.op1('MaxPool', [std.op1('Relu', [std.op1('Conv', ['x', 'w', 'b'], attrs)])], {
    kernel_shape: [2, 2],
    strides: [2, 2],
  });
  const nc = new GraphBuilder('n');
  nc.input('x', 'float32', [B, G * Cin, H, H]);
  nc.input('w', 'float32', [G * Cout, Cin, 5, 5]);
  nc.input('b', 'float32', [G * Cout]);
  const xin = Cin < BS ? 'x' : nc.op1('nchwc.ReorderInput', ['x']);
  const yc = nc.op1('nchwc.Conv', [xin, reorderFilter(nc, 'w', G * Cout, Cin, 5), 'b'], {
    ...attrs,
    activation: 'Relu',
  });
  const yn = nc.op1(
    'nchwc.ReorderOutput',
    [nc.op1('nchwc.MaxPool', [yc], { kernel_shape: [2, 2], strides: [2, 2] })],
    { channels: G * Cout },
  );
  // correctness
  for (const [gb, y] of [
    [std, ys],
    [nc, yn],
  ] as const) {
    gb.op1('Identity', [y], {}, 'full');
    gb.output('full', 'float32', [B, G * Cout, H / 2, H / 2]);
  }
  const s1 = await benchSession(std.toBytes()),
    s2 = await benchSession(withNchwcDomain(nc.toBytes()));
  const a = (await s1.run({ x, w, b })).full!.data as Float32Array,
    z = (await s2.run({ x, w, b })).full!.data as Float32Array;
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - z[i]!));
  console.log(`${Cin}x${H}x${H}->${Cout} group ${G}: max |std - nchwc| = ${err.toExponential(2)}`);
  await s1.release();
  await s2.release();
  const timed = (gb: GraphBuilder, y: string) => {
    sink(gb, y);
    return gb;
  };
  const std2 = new GraphBuilder('s2');
  std2.input('x', 'float32', [B, G * Cin, H, H]);
  std2.input('w', 'float32', [G * Cout, Cin, 5, 5]);
  std2.input('b', 'float32', [G * Cout]);
  const y2 = std2.op1('MaxPool', [std2.op1('Relu', [std2.op1('Conv', ['x', 'w', 'b'], attrs)])], {
    kernel_shape: [2, 2],
    strides: [2, 2],
  });
  const nc2 = new GraphBuilder('n2');
  nc2.input('x', 'float32', [B, G * Cin, H, H]);
  nc2.input('w', 'float32', [G * Cout, Cin, 5, 5]);
  nc2.input('b', 'float32', [G * Cout]);
  const xin2 = Cin < BS ? 'x' : nc2.op1('nchwc.ReorderInput', ['x']);
  const yc2 = nc2.op1('nchwc.Conv', [xin2, reorderFilter(nc2, 'w', G * Cout, Cin, 5), 'b'], {
    ...attrs,
    activation: 'Relu',
  });
  const yn2 = nc2.op1(
    'nchwc.ReorderOutput',
    [nc2.op1('nchwc.MaxPool', [yc2], { kernel_shape: [2, 2], strides: [2, 2] })],
    { channels: G * Cout },
  );
  const vs: Variant[] = [
    {
      label: `${Cin}x${H}x${H}->${Cout} g${G} Conv+Relu+MaxPool, standard`,
      graph: timed(std2, y2),
      feeds: { x, w, b },
      work: flop,
      opts: { threads },
    },
    {
      label: `${Cin}x${H}x${H}->${Cout} g${G} Conv+Relu+MaxPool, nchwc ops`,
      graph: withNchwcDomain(timed(nc2, yn2).toBytes()),
      feeds: { x, w, b },
      work: flop,
      opts: { threads },
    },
  ];
  await compareVariants(vs, 15);
}

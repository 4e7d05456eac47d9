// Issue 14 lab: one conv layer's gradient pieces (forward, dX, dW variants) in isolation, interleaved;
// node --import tsx bench/lab/conv-pieces.ts B,Cin,Cout,H,k [name regex] [rounds]; T=1 for one thread.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { nchwcFilter, withNchwcDomain } from '../../src/model/population/nchwc.ts';
import { benchSession, randomF32 } from '../timing.ts';
import { interleavedCpu } from './cpu-timing.ts';

const [B, Ci, Co, H, k] = (process.argv[2] ?? '50,32,64,14,5').split(',').map(Number) as number[];
const bs = 16, p = (k! - 1) / 2;
const spin = process.argv.includes('--spin');
type Build = (g: GraphBuilder) => string;
function graph(build: Build): Uint8Array {
  const g = new GraphBuilder('t');
  g.input('x', 'float32', [B!, Ci!, H!, H!]);
  g.input('w', 'float32', [Co!, Ci!, k!, k!]);
  g.input('b', 'float32', [Co!]);
  g.input('dy', 'float32', [B!, Co!, H!, H!]);
  g.op1('ReduceSum', [build(g)], { keepdims: 0 }, 's');
  g.output('s', 'float32', []);
  return withNchwcDomain(g.toBytes());
}
const pads = [p, p, p, p];
const variants: Record<string, Build> = {
  'fwd std Conv+Relu': (g) => g.op1('Relu', [g.op1('Conv', ['x', 'w', 'b'], { kernel_shape: [k!, k!], pads })]),
  'fwd nchwc (reorder in)': (g) => g.op1('nchwc.Conv', [Ci! < bs ? 'x' : g.op1('nchwc.ReorderInput', ['x']), nchwcFilter(g, 'w', [Co!, Ci!, k!, k!], bs), 'b'], { kernel_shape: [k!, k!], pads, activation: 'Relu' }),
  'dX ConvTranspose': (g) => g.op1('ConvTranspose', ['dy', 'w'], { kernel_shape: [k!, k!], pads }),
  'dX nchwc flipped (reorder in)': (g) => {
    const f = g.op1('Slice', ['w', g.constant([-1, -1]), g.constant([-k! - 1, -k! - 1]), g.constant([2, 3]), g.constant([-1, -1])]);
    const wT = g.op1('Transpose', [f], { perm: [1, 0, 2, 3] });
    return g.op1('nchwc.Conv', [g.op1('nchwc.ReorderInput', ['dy']), nchwcFilter(g, wT, [Ci!, Co!, k!, k!], bs)], { kernel_shape: [k!, k!], pads });
  },
  'dW std Conv swapped': (g) => {
    const xT = g.op1('Transpose', ['x'], { perm: [1, 0, 2, 3] });
    const dyT = g.op1('Transpose', ['dy'], { perm: [1, 0, 2, 3] });
    return g.op1('Conv', [xT, dyT], { pads });
  },
  'dW im2col Gemm transB': (g) => {
    const xT = g.op1('Transpose', ['x'], { perm: [1, 0, 2, 3] });
    const xp = g.op1('Pad', [xT, g.constant([0, 0, p, p, 0, 0, p, p])]);
    const sl: string[] = [];
    for (let i = 0; i < k!; i++) for (let j = 0; j < k!; j++)
      sl.push(g.op1('Unsqueeze', [g.op1('Slice', [xp, g.constant([i, j]), g.constant([i + H!, j + H!]), g.constant([2, 3])]), g.constant([1])]));
    const cols = g.op1('Reshape', [g.op1('Concat', sl, { axis: 1 }), g.constant([Ci! * k! * k!, -1])]);
    const dyT = g.op1('Reshape', [g.op1('Transpose', ['dy'], { perm: [1, 0, 2, 3] }), g.constant([Co!, -1])]);
    return g.op1('Gemm', [dyT, cols], { transB: 1 });
  },
  'dW im2col MatMul NHWC': (g) => {
    const xT = g.op1('Transpose', ['x'], { perm: [1, 0, 2, 3] });
    const xp = g.op1('Pad', [xT, g.constant([0, 0, p, p, 0, 0, p, p])]);
    const sl: string[] = [];
    for (let i = 0; i < k!; i++) for (let j = 0; j < k!; j++)
      sl.push(g.op1('Unsqueeze', [g.op1('Slice', [xp, g.constant([i, j]), g.constant([i + H!, j + H!]), g.constant([2, 3])]), g.constant([1])]));
    const cols = g.op1('Reshape', [g.op1('Concat', sl, { axis: 1 }), g.constant([Ci! * k! * k!, -1])]);
    const dyN = g.op1('Reshape', [g.op1('Transpose', ['dy'], { perm: [0, 2, 3, 1] }), g.constant([-1, Co!])]);
    return g.op1('MatMul', [cols, dyN]);
  },
  'dW NHWC 25 Gemms': (g) => {
    const xn = g.op1('Pad', [g.op1('Transpose', ['x'], { perm: [0, 2, 3, 1] }), g.constant([0, p, p, 0, 0, p, p, 0])]);
    const dyn = g.op1('Reshape', [g.op1('Transpose', ['dy'], { perm: [0, 2, 3, 1] }), g.constant([-1, Co!])]);
    const parts: string[] = [];
    for (let i = 0; i < k!; i++) for (let j = 0; j < k!; j++) {
      const sl = g.op1('Reshape', [g.op1('Slice', [xn, g.constant([i, j]), g.constant([i + H!, j + H!]), g.constant([1, 2])]), g.constant([-1, Ci!])]);
      parts.push(g.op1('Unsqueeze', [g.op1('Gemm', [dyn, sl], { transA: 1 }), g.constant([0])]));
    }
    return g.op1('Transpose', [g.op1('Concat', parts, { axis: 0 })], { perm: [1, 2, 0] });
  },
  'dW NHWC 25 MatMul (dyT)': (g) => {
    const xn = g.op1('Pad', [g.op1('Transpose', ['x'], { perm: [0, 2, 3, 1] }), g.constant([0, p, p, 0, 0, p, p, 0])]);
    const dyT = g.op1('Reshape', [g.op1('Transpose', ['dy'], { perm: [1, 0, 2, 3] }), g.constant([Co!, -1])]);
    const parts: string[] = [];
    for (let i = 0; i < k!; i++) for (let j = 0; j < k!; j++) {
      const sl = g.op1('Reshape', [g.op1('Slice', [xn, g.constant([i, j]), g.constant([i + H!, j + H!]), g.constant([1, 2])]), g.constant([-1, Ci!])]);
      parts.push(g.op1('Unsqueeze', [g.op1('MatMul', [dyT, sl]), g.constant([0])]));
    }
    return g.op1('Transpose', [g.op1('Concat', parts, { axis: 0 })], { perm: [1, 2, 0] });
  },
  'dW NHWC im2col one MatMul (dyT)': (g) => {
    const xn = g.op1('Pad', [g.op1('Transpose', ['x'], { perm: [0, 2, 3, 1] }), g.constant([0, p, p, 0, 0, p, p, 0])]);
    const dyT = g.op1('Reshape', [g.op1('Transpose', ['dy'], { perm: [1, 0, 2, 3] }), g.constant([Co!, -1])]);
    const parts: string[] = [];
    for (let i = 0; i < k!; i++) for (let j = 0; j < k!; j++)
      parts.push(g.op1('Slice', [xn, g.constant([i, j]), g.constant([i + H!, j + H!]), g.constant([1, 2])]));
    const cols = g.op1('Reshape', [g.op1('Concat', parts, { axis: 3 }), g.constant([-1, k! * k! * Ci!])]);
    return g.op1('Transpose', [g.op1('Reshape', [g.op1('MatMul', [dyT, cols]), g.constant([Co!, k! * k!, Ci!])])], { perm: [0, 2, 1] });
  },
  'dW depthwise im2col bmm': (g) => {
    const onehot: number[] = [];
    for (let c = 0; c < Ci!; c++) for (let t = 0; t < k! * k!; t++) for (let u = 0; u < k! * k!; u++) onehot.push(t === u ? 1 : 0);
    const w1 = g.constant(onehot, 'float32', [Ci! * k! * k!, 1, k!, k!]);
    const cols = g.op1('Reshape', [g.op1('Conv', ['x', w1], { kernel_shape: [k!, k!], pads, group: Ci! }), g.constant([B!, Ci! * k! * k!, -1])]);
    const dyN = g.op1('Reshape', [g.op1('Transpose', ['dy'], { perm: [0, 2, 3, 1] }), g.constant([B!, -1, Co!])]);
    return g.op1('ReduceSum', [g.op1('MatMul', [cols, dyN]), g.constant([0])], { keepdims: 0 });
  },
  'part: depthwise im2col only': (g) => {
    const onehot: number[] = [];
    for (let c = 0; c < Ci!; c++) for (let t = 0; t < k! * k!; t++) for (let u = 0; u < k! * k!; u++) onehot.push(t === u ? 1 : 0);
    const w1 = g.constant(onehot, 'float32', [Ci! * k! * k!, 1, k!, k!]);
    return g.op1('Conv', ['x', w1], { kernel_shape: [k!, k!], pads, group: Ci! });
  },
  'part: bmm + reducesum only': (g) => {
    const cols = g.op1('Reshape', [g.op1('Tile', ['x', g.constant([1, k! * k!, 1, 1])]), g.constant([B!, Ci! * k! * k!, -1])]);
    const dyN = g.op1('Reshape', [g.op1('Transpose', ['dy'], { perm: [0, 2, 3, 1] }), g.constant([B!, -1, Co!])]);
    return g.op1('ReduceSum', [g.op1('MatMul', [cols, dyN]), g.constant([0])], { keepdims: 0 });
  },
  'part: tile only': (g) => g.op1('Tile', ['x', g.constant([1, k! * k!, 1, 1])]),
  'dW taps batched halves': (g) => {
    const xn = g.op1('Pad', [g.op1('Transpose', ['x'], { perm: [0, 2, 3, 1] }), g.constant([0, p, p, 0, 0, p, p, 0])]);
    const dyH = g.op1('Reshape', [g.op1('Transpose', [g.op1('Reshape', ['dy', g.constant([2, B! / 2, Co!, -1])])], { perm: [0, 2, 1, 3] }), g.constant([2, Co!, -1])]);
    const parts: string[] = [];
    for (let i = 0; i < k!; i++) for (let j = 0; j < k!; j++) {
      const sl = g.op1('Reshape', [g.op1('Slice', [xn, g.constant([i, j]), g.constant([i + H!, j + H!]), g.constant([1, 2])]), g.constant([2, -1, Ci!])]);
      parts.push(g.op1('Unsqueeze', [g.op1('MatMul', [dyH, sl]), g.constant([3])]));
    }
    return g.op1('ReduceSum', [g.op1('Concat', parts, { axis: 3 }), g.constant([0])], { keepdims: 0 });
  },
  'dW nchwc swapped (batch pad 64)': (g) => {
    const Bp = Math.ceil(B! / bs) * bs;
    const xT = g.op1('Pad', [g.op1('Transpose', ['x'], { perm: [1, 0, 2, 3] }), g.constant([0, 0, 0, 0, 0, Bp - B!, 0, 0])]);
    const dyT = g.op1('Pad', [g.op1('Transpose', ['dy'], { perm: [1, 0, 2, 3] }), g.constant([0, 0, 0, 0, 0, Bp - B!, 0, 0])]);
    return g.op1('nchwc.Conv', [g.op1('nchwc.ReorderInput', [xT]), nchwcFilter(g, dyT, [Co!, Bp, H!, H!], bs)], { kernel_shape: [H!, H!], pads });
  },
};
const feeds = {
  x: new ort.Tensor('float32', randomF32(B! * Ci! * H! * H!, 1), [B!, Ci!, H!, H!]),
  w: new ort.Tensor('float32', randomF32(Co! * Ci! * k! * k!, 2), [Co!, Ci!, k!, k!]),
  b: new ort.Tensor('float32', randomF32(Co!, 3), [Co!]),
  dy: new ort.Tensor('float32', randomF32(B! * Co! * H! * H!, 4), [B!, Co!, H!, H!]),
};
const names = Object.keys(variants).filter((n) => !process.argv[3] || n.match(process.argv[3]));
const sessions = await Promise.all(names.map((n) => benchSession(graph(variants[n]!), { threads: Number(process.env.T ?? 0), spin })));
const { wall: t, cpu } = await interleavedCpu(sessions.map((s) => () => s.run(feeds)), Number(process.argv[4] ?? 15));
const flops = 2 * B! * Co! * Ci! * H! * H! * k! * k!;
names.forEach((n, i) => console.log(`${n.padEnd(34)} wall ${(t[i]! * 1e3).toFixed(2).padStart(8)} ms ${(flops / t[i]! / 1e9).toFixed(0).padStart(5)} GFLOP/s | cpu ${(cpu[i]! * 1e3).toFixed(2).padStart(8)} ms ${(flops / cpu[i]! / 1e9).toFixed(0).padStart(5)} GFLOP/s per core`));

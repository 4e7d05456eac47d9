// Issue 14 lab: a dense layer's gradient GEMMs (h [B,F], dY [B,N], W [F,N]) in isolation, interleaved;
// node --import tsx bench/lab/dense-pieces.ts B,F,N [rounds]; T=1 for one thread.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { benchSession, randomF32 } from '../timing.ts';
import { interleavedCpu } from './cpu-timing.ts';
const [B, F, N] = (process.argv[2] ?? '50,3136,1024').split(',').map(Number) as number[];
type Build = (g: GraphBuilder) => string;
function graph(build: Build): Uint8Array {
  const g = new GraphBuilder('t');
  g.input('h', 'float32', [B!, F!]);
  g.input('dy', 'float32', [B!, N!]);
  g.input('w', 'float32', [F!, N!]);
  g.op1('ReduceSum', [build(g)], { keepdims: 0 }, 's');
  g.output('s', 'float32', []);
  return g.toBytes();
}
const variants: Record<string, Build> = {
  'dW Gemm transA': (g) => g.op1('Gemm', ['h', 'dy'], { transA: 1 }),
  'dW MatMul(Transpose(h), dy)': (g) => g.op1('MatMul', [g.op1('Transpose', ['h'], { perm: [1, 0] }), 'dy']),
  'fwd Gemm': (g) => g.op1('Gemm', ['h', 'w']),
  'fwd MatMul': (g) => g.op1('MatMul', ['h', 'w']),
  'dX Gemm transB': (g) => g.op1('Gemm', ['dy', 'w'], { transB: 1 }),
  'dX MatMul(dy, Transpose(w))': (g) => g.op1('MatMul', ['dy', g.op1('Transpose', ['w'], { perm: [1, 0] })]),
  'dX (W·dyT)ᵀ': (g) => g.op1('MatMul', ['w', g.op1('Transpose', ['dy'], { perm: [1, 0] })]),
};
const feeds = {
  h: new ort.Tensor('float32', randomF32(B! * F!, 1), [B!, F!]),
  dy: new ort.Tensor('float32', randomF32(B! * N!, 2), [B!, N!]),
  w: new ort.Tensor('float32', randomF32(F! * N!, 3), [F!, N!]),
};
const names = Object.keys(variants);
const sessions = await Promise.all(names.map((n) => benchSession(graph(variants[n]!), { threads: Number(process.env.T ?? 0), spin: false })));
const { wall, cpu } = await interleavedCpu(sessions.map((s) => () => s.run(feeds)), Number(process.argv[3] ?? 15));
const flops = 2 * B! * F! * N!;
names.forEach((n, i) => console.log(`${n.padEnd(30)} wall ${(wall[i]! * 1e3).toFixed(2).padStart(7)} ms | cpu ${(cpu[i]! * 1e3).toFixed(2).padStart(7)} ms ${(flops / cpu[i]! / 1e9).toFixed(0).padStart(4)} GFLOP/s`));

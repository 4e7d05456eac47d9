// Issue 14 lab: the blocked max-pool backward (k² slices + first-max Where chain, committed) against an
// ArgMax form (transpose windows together, ArgMax, one-hot, transpose back), in isolation, interleaved.
// node --import tsx bench/lab/pool-backward.ts B,C,H [rounds]; T=threads (default 2).
import * as ort from 'onnxruntime-node';
import { blockedMaxpoolBackward } from '../../src/model/blocked.ts';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { benchSession, randomF32 } from '../timing.ts';
import { interleavedCpu } from './cpu-timing.ts';

const [B, C, H] = (process.argv[2] ?? '50,32,28').split(',').map(Number) as [number, number, number];
const rounds = Number(process.argv[3] ?? 21);
const k = 2, bs = 16, W = H, N = (B * C * H) / bs / k;
type Build = (g: GraphBuilder, y: string) => string;
/** The input's pooling windows side by side: [N, W/k, k·k, bs] (each window's k² values, per channel of a block). */
const windows = (g: GraphBuilder): string =>
  g.op1('Reshape', [g.op1('Transpose', [g.op1('Reshape', ['x', g.constant([N, k, W / k, k, bs])])], { perm: [0, 2, 1, 3, 4] }), g.constant([N, W / k, k * k, bs])]);
function graph(build: Build, out: 'sum' | 'dx'): Uint8Array {
  const g = new GraphBuilder('t');
  g.input('x', 'float32', [B, C, H, W]);
  g.input('dy', 'float32', [B, C, H / k, W / k]);
  const y = g.op1('Reshape', [g.op1('ReduceMax', [windows(g)], { axes: [2], keepdims: 1 }), g.constant([B, C, H / k, W / k])]);
  const dx = build(g, y);
  if (out === 'sum') {
    g.op1('ReduceSum', [dx], { keepdims: 0 }, 's');
    g.output('s', 'float32', []);
  } else {
    g.op1('Identity', [dx], {}, 'dx');
    g.output('dx', 'float32', [B, C, H, W]);
  }
  return g.toBytes();
}
const committed: Build = (g, y) => blockedMaxpoolBackward(g, k, { x: 'x', y, dY: 'dy' }, [C, H, W], bs, true);
const argmax: Build = (g, y) => {
  const c = (v: number[]): string => g.constant(v);
  const am = g.op1('ArgMax', [windows(g)], { axis: 2, keepdims: 1, select_last_index: 0 });
  const hot = g.op1('Equal', [am, g.constant([0, 1, 2, 3], 'int64', [1, 1, k * k, 1])]);
  const zero = g.constant([0], 'float32', []);
  const yr = g.op1('Reshape', [y, c([N, W / k, 1, bs])]);
  const dyr = g.op1('Where', [g.op1('Greater', [yr, zero]), g.op1('Reshape', ['dy', c([N, W / k, 1, bs])]), zero]);
  const d4 = g.op1('Where', [hot, dyr, zero]);
  const back = g.op1('Transpose', [g.op1('Reshape', [d4, c([N, W / k, k, k, bs])])], { perm: [0, 2, 1, 3, 4] });
  return g.op1('Reshape', [back, c([B, C, H, W])]);
};
const threads = Number(process.env.T ?? 2);
// Ties as MNIST makes them: a quarter of the inputs repeat their window's first value, a quarter are 0.
const xv = randomF32(B * C * H * W, 3);
for (let i = 0; i < xv.length; i += 4) if (i % 16 === 0) xv[i + 1] = xv[i]!; else if (i % 16 === 4) xv[i] = 0;
const feeds = { x: new ort.Tensor('float32', xv, [B, C, H, W]), dy: new ort.Tensor('float32', randomF32((B * C * H * W) / 4, 5), [B, C, H / k, W / k]) };
const [ca, cb] = [await benchSession(graph(committed, 'dx'), { threads }), await benchSession(graph(argmax, 'dx'), { threads })];
const [da, db] = [(await ca.run(feeds)).dx!.data as Float32Array, (await cb.run(feeds)).dx!.data as Float32Array];
let diff = 0;
for (let i = 0; i < da.length; i++) diff += da[i] === db[i] ? 0 : 1;
const a = await benchSession(graph(committed, 'sum'), { threads, spin: true });
const b = await benchSession(graph(argmax, 'sum'), { threads, spin: true });
const { wall, cpu } = await interleavedCpu([() => a.run(feeds), () => b.run(feeds)], rounds);
const ms = (s: number): string => (s * 1e3).toFixed(2);
console.log(`${B},${C},${H}: outputs differ at ${diff} of ${da.length}; committed ${ms(wall[0]!)} ms (CPU ${ms(cpu[0]!)}), ArgMax ${ms(wall[1]!)} ms (CPU ${ms(cpu[1]!)}): ${(wall[0]! / wall[1]!).toFixed(2)}x`);

// Lab: are tensors over subarrays zero-copy? Tensor creation time for a 3.2M-float view vs a tiny
// one; a mutation after creation seen by run(); run() time with a big vs tiny input of which the
// graph reads one element (a copy on run would scale with the input).
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { benchSession, median, randomF32 } from '../timing.ts';

const big = randomF32(2 ** 25, 1); // the noise table's default size: 128 MiB
const P = 3_274_634;
const timeNs = (fn: () => unknown, n: number): number => {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    xs.push(Number(process.hrtime.bigint() - t0));
  }
  return median(xs);
};
let off = 0;
for (const n of [10, P]) {
  const ns = timeNs(
    () => new ort.Tensor('float32', big.subarray((off = (off + 7919) % 1e6), off + n), [n]),
    2001,
  );
  console.log(
    `new ort.Tensor over a subarray of ${n} floats: ${(ns / 1e3).toFixed(2)} µs (a copy of ${n * 4} B would take ~${(((n * 4) / 10e9) * 1e6).toFixed(0)} µs at 10 GB/s)`,
  );
}
// mutation after creation: the graph returns x[0] + x[n-1]
const g = new GraphBuilder('probe');
g.input('x', 'float32', ['N']);
const first = g.op1('Slice', ['x', g.constant([0]), g.constant([1])]);
const last = g.op1('Slice', ['x', g.constant([-1]), g.constant([2 ** 62])]);
g.op1('Add', [first, last], {}, 'y');
g.output('y', 'float32', [1]);
const s = await benchSession(g.toBytes(), { threads: 1 });
const view = big.subarray(1000, 1000 + P);
const t = new ort.Tensor('float32', view, [P]);
view[0] = 1;
view[P - 1] = 2;
const before = ((await s.run({ x: t })).y!.data as Float32Array)[0];
view[0] = 10;
view[P - 1] = 20;
const after = ((await s.run({ x: t })).y!.data as Float32Array)[0];
console.log(
  `mutating the array after creating the tensor: run() sees ${before} then ${after} (expected 3 then 30 if no copy)`,
);
for (const n of [10, P]) {
  const tn = new ort.Tensor('float32', big.subarray(5000, 5000 + n), [n]);
  const xs: number[] = [];
  for (let i = 0; i < 301; i++) {
    const t0 = process.hrtime.bigint();
    await s.run({ x: tn });
    xs.push(Number(process.hrtime.bigint() - t0));
  }
  console.log(`run() with a ${n}-float input (graph reads 2 elements): ${(median(xs) / 1e3).toFixed(1)} µs`);
}
const copyNs = timeNs(() => big.slice(0, P), 51);
console.log(`for scale: copying ${P} floats in JS (slice) takes ${(copyNs / 1e3).toFixed(0)} µs`);
await s.release();

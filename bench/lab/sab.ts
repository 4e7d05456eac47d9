// Lab: can an ort.Tensor be a view of a SharedArrayBuffer (the threads evaluator's noise table)?
// No: so what does copying one cnn-3m noise window out of it (TypedArray.set) cost per window?
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { benchSession } from '../timing.ts';

const g = new GraphBuilder('sum');
g.input('x', 'float32', ['N']);
g.op1('ReduceSum', ['x'], { keepdims: 0 }, 'y');
g.output('y', 'float32', []);
const s = await benchSession(g.toBytes(), { threads: 1 });
const sab = new Float32Array(new SharedArrayBuffer(4 * 1000)).fill(1);
for (const [label, view] of [
  ['whole SAB', sab],
  ['subarray of SAB', sab.subarray(10, 110)],
] as const) {
  try {
    const t = new ort.Tensor('float32', view, [view.length]);
    const y = (await s.run({ x: t })).y!.data as Float32Array;
    console.log(`${label}: ok, sum = ${y[0]}`);
  } catch (e) {
    console.log(`${label}: ${(e as Error).message.split('\n')[0]}`);
  }
}
await s.release();

// What the threads evaluator pays instead: copying one noise window of cnn-3m out of the SAB.
const P = 3_274_634;
const table = new Float32Array(new SharedArrayBuffer(4 * 2 ** 25));
const scratch = new Float32Array(2 * P);
const times: number[] = [];
for (let i = 0; i < 41; i++) {
  const off = (i * 1_000_003) % (2 ** 25 - P);
  const t0 = process.hrtime.bigint();
  scratch.set(table.subarray(off, off + P), (i % 2) * P);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
console.log(
  `copying a ${P}-float noise window out of a SharedArrayBuffer (TypedArray.set): median ${times[20]!.toFixed(2)} ms`,
);

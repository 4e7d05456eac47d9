// Lab: can an ort.Tensor be a view of a SharedArrayBuffer (the threads evaluator's noise table)?
// Tries creation and run() for a Float32Array over a SAB, whole and as a subarray.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { benchSession } from '../timing.ts';
const g = new GraphBuilder('sum');
g.input('x', 'float32', ['N']);
g.op1('ReduceSum', ['x'], { keepdims: 0 }, 'y');
g.output('y', 'float32', []);
const s = await benchSession(g.toBytes(), { threads: 1 });
const sab = new Float32Array(new SharedArrayBuffer(4 * 1000)).fill(1);
for (const [label, view] of [['whole SAB', sab], ['subarray of SAB', sab.subarray(10, 110)]] as const) {
  try {
    const t = new ort.Tensor('float32', view, [view.length]);
    const y = (await s.run({ x: t })).y!.data as Float32Array;
    console.log(`${label}: ok, sum = ${y[0]}`);
  } catch (e) {
    console.log(`${label}: ${(e as Error).message.split('\n')[0]}`);
  }
}
await s.release();

import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { benchSession, randomF32, timeIt } from '../timing.ts';
const threads = Number(process.argv[2] ?? 0);
for (const [m, k, n] of [[2048, 2048, 2048], [9800, 400, 32], [9800, 800, 64], [50, 3136, 1024], [500, 3136, 1024]] as const) {
  const g = new GraphBuilder('mm');
  g.input('a', 'float32', [m, k]); g.input('b', 'float32', [k, n]);
  g.op1('MatMul', ['a', 'b'], {}, 'c'); g.output('c', 'float32', [m, n]);
  const s = await benchSession(g.toBytes(), { threads });
  const feeds = { a: new ort.Tensor('float32', randomF32(m * k), [m, k]), b: new ort.Tensor('float32', randomF32(k * n, 2), [k, n]) };
  const t = await timeIt(() => s.run(feeds), 15, 3);
  console.log(`${m}x${k}x${n} threads=${threads}: ${(2 * m * k * n / t.median / 1e9).toFixed(1)} GFLOP/s  (${(t.median * 1e3).toFixed(2)} ms, min ${(t.min*1e3).toFixed(2)})`);
}

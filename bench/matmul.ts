// MatMul throughput of ONNX Runtime on this machine: a large square GEMM and the GEMM shapes of the
// networks' convolutions, one session with every core; the fastest is the "MatMul peak".
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/model/onnx-builder.ts';
import type { BenchRow } from './table.ts';
import { benchSession, randomF32, timeIt } from './timing.ts';

/** [M, K, N]: C[M,N] = A[M,K]·B[K,N]. */
export const GEMM_SHAPES: readonly (readonly [number, number, number])[] = [
  [2048, 2048, 2048],
  [9800, 400, 32], // cnn-29k conv2 as im2col: 50 images x 14x14 positions, 16x5x5 inputs, 32 filters
  [9800, 800, 64], // cnn-3m conv2: 32x5x5 inputs, 64 filters
];

/** A and B are graph inputs (as the networks' weights are); C is summed in-graph so no big output is copied to JS. */
function gemmGraph(m: number, k: number, n: number): Uint8Array {
  const g = new GraphBuilder(`gemm-${m}x${k}x${n}`);
  g.input('a', 'float32', [m, k]);
  g.input('b', 'float32', [k, n]);
  g.op1('ReduceSum', [g.op1('MatMul', ['a', 'b'])], { keepdims: 0 }, 'sum');
  g.output('sum', 'float32', []);
  return g.toBytes();
}

export async function benchMatMul(repeats: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [m, k, n] of GEMM_SHAPES) {
    const feeds = {
      a: new ort.Tensor('float32', randomF32(m * k, 1), [m, k]),
      b: new ort.Tensor('float32', randomF32(k * n, 2), [k, n]),
    };
    // the better of ORT's own thread default (0, pinned threads) and one thread per core, as sessions use
    let t = { median: Infinity };
    for (const threads of [0, availableParallelism()]) {
      const session = await benchSession(gemmGraph(m, k, n), { threads, spin: true });
      const timed = await timeIt(() => session.run(feeds), repeats, 2);
      await session.release();
      if (timed.median < t.median) t = timed;
    }
    const note = m === 2048 ? 'square' : k === 400 ? 'cnn-29k conv2 as GEMM' : 'cnn-3m conv2 as GEMM';
    rows.push({
      section: 'matmul',
      name: `${m}x${k}x${n}`,
      seconds: t.median,
      gflops: (2 * m * k * n) / t.median / 1e9,
      note,
    });
  }
  return rows;
}

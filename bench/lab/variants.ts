// Lab helper: builds sessions for labelled graph variants and times them interleaved (round-robin,
// spinning off), printing rate, median time and the rate relative to the first variant.
import type * as ort from 'onnxruntime-node';
import type { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { type BenchSessionOptions, benchSession, interleaved } from '../timing.ts';

export interface Variant {
  readonly label: string;
  readonly graph: GraphBuilder | Uint8Array;
  readonly feeds: Record<string, ort.Tensor>;
  /** FLOPs (or items) per run, for the rate column. */
  readonly work: number;
  readonly opts?: BenchSessionOptions;
}

export async function compareVariants(
  vs: readonly Variant[],
  rounds: number,
  unit = 'GFLOP/s',
  scale = 1e9,
): Promise<void> {
  const sessions = await Promise.all(
    vs.map((v) => benchSession(v.graph instanceof Uint8Array ? v.graph : v.graph.toBytes(), v.opts ?? {})),
  );
  const med = await interleaved(
    sessions.map((s, i) => () => s.run(vs[i]!.feeds)),
    rounds,
    2,
  );
  vs.forEach((v, i) => {
    const r = v.work / med[i]! / scale;
    console.log(
      `${v.label.padEnd(62)} ${r.toFixed(1).padStart(8)} ${unit}  ${(med[i]! * 1e3).toFixed(2).padStart(8)} ms  x${(v.work / med[i]! / (vs[0]!.work / med[0]!)).toFixed(2)}`,
    );
  });
  for (const s of sessions) await s.release();
}

/** Ends a lab graph in a scalar output `out` = ReduceSum(t): big outputs would be copied to JS each run. */
export function sink(g: GraphBuilder, t: string): void {
  g.op1('ReduceSum', [t], { keepdims: 0 }, 'out');
  g.output('out', 'float32', []);
}

// The benchmark table (npm run bench, or `esgrad bench` in a checkout; --quick, --json): this machine's
// ONNX Runtime MatMul peak beside forward, population, SGD, ES iteration and aggregation throughput.
import { cpus } from 'node:os';
import { env } from 'onnxruntime-node';
import { nchwcBlockSize } from '../src/backend/session.ts';
import { benchAggregationRows } from './aggregation-rows.ts';
import { benchControlPolicy } from './control-policy.ts';
import { benchEs } from './es.ts';
import { benchForward } from './forward.ts';
import { benchMatMul } from './matmul.ts';
import { benchMujoco } from './mujoco.ts';
import { benchOnnxImport } from './onnx-import.ts';
import { benchPopulation } from './population.ts';
import { benchSgd } from './sgd.ts';
import { type BenchReport, formatTable } from './table.ts';

export interface BenchOptions {
  /** Fewer repeats (a smoke run for tests). */
  readonly quick?: boolean;
  /** Print the report as JSON instead of the table. */
  readonly json?: boolean;
}

/**
 * FLOP conventions: a GEMM is 2·M·K·N; a forward pass 2 × forwardMacsPerExample(arch) × batch
 * (convolutions and dense layers only); an offspring the same at batch 50, whatever extra work the
 * population graph does; an SGD step 3 forward passes; an ES iteration N offspring (tell included in
 * its time); an aggregation 2·N·P (or 2·N·bucket) as the direct sum would do. "% peak" is relative to the fastest GEMM.
 */
export async function measure(opts: BenchOptions = {}): Promise<BenchReport> {
  const repeats = opts.quick ? 3 : 15;
  const matmul = await benchMatMul(repeats);
  const rows = [
    ...matmul,
    ...(await benchForward(repeats)),
    ...(await benchPopulation(repeats)),
    ...(await benchOnnxImport(repeats)),
    ...(await benchSgd(repeats)),
    ...(await benchEs(Boolean(opts.quick))),
    ...(await benchAggregationRows(Boolean(opts.quick))),
    ...(await benchMujoco(Boolean(opts.quick))),
    ...(await benchControlPolicy(Boolean(opts.quick))),
  ];
  const cpu = cpus();
  const machine = `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores; onnxruntime-node ${env.versions.node ?? '?'}, NCHWc block ${await nchwcBlockSize()}; node ${process.version}`;
  return { machine, peakGflops: Math.max(...matmul.map((r) => r.gflops ?? 0)), repeats, rows };
}

const opts: BenchOptions = { quick: process.argv.includes('--quick'), json: process.argv.includes('--json') };
const report = await measure(opts);
process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatTable(report)}\n`);

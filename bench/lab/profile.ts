// Lab: per-node and per-op-type kernel time of a population graph (ORT profiling, after warm-up runs).
// usage: profile.ts model K threads ['old' | 'new' (mirrored pairs if K even) | lab PopOptions JSON] [level]

import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { getArchitecture } from '../../src/model/architecture.ts';
import { populationGraph } from '../../src/model/graphs.ts';
import { oldPopulationGraph } from './oldgraph.ts';
import { popData, popFeeds } from './popfeeds.ts';
import { type PopOptions, popGraph } from './popgraph.ts';

const [model = 'cnn-29k', ks = '10', threads = '0', variant = 'new', level = 'all'] = process.argv.slice(2);
const arch = getArchitecture(model);
const K = Number(ks);
const bytes =
  variant === 'old'
    ? oldPopulationGraph(arch, K)
    : variant === 'new'
      ? populationGraph(arch, K, { sharedBatch: true, nchwcBlock: 16, pairs: K % 2 === 0 })
      : popGraph(arch, K, JSON.parse(variant) as PopOptions);
const s = await ort.InferenceSession.create(bytes, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: level as 'all',
  intraOpNumThreads: Number(threads),
  enableProfiling: true,
  profileFilePrefix: '/tmp/esgprof',
});
const feeds = popFeeds(s, arch, K, popData(arch, 50));
const RUNS = 20,
  WARM = 5;
for (let i = 0; i < RUNS; i++) await s.run(feeds);
s.endProfiling();
await s.release();
const file =
  '/tmp/' +
  readdirSync('/tmp')
    .filter((f) => f.startsWith('esgprof'))
    .sort()
    .pop()!;
type Ev = { cat: string; name: string; dur: number; ts: number; args?: { op_name?: string } };
const ev = JSON.parse(readFileSync(file, 'utf8')) as Ev[];
unlinkSync(file);
const runs = ev.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
const t0 = runs[WARM]!.ts;
const steady = ev.filter((e) => e.ts >= t0);
const n = RUNS - WARM;
const total = runs.slice(WARM).reduce((a, e) => a + e.dur, 0);
const byOp = new Map<string, number>(),
  byNode = new Map<string, number>();
for (const e of steady)
  if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) {
    byOp.set(e.args?.op_name ?? '?', (byOp.get(e.args?.op_name ?? '?') ?? 0) + e.dur);
    byNode.set(
      `${e.name.replace('_kernel_time', '')} (${e.args?.op_name})`,
      (byNode.get(`${e.name.replace('_kernel_time', '')} (${e.args?.op_name})`) ?? 0) + e.dur,
    );
  }
console.log(
  `${model} K=${K} ${variant}: model_run ${(total / n / 1000).toFixed(2)} ms/run (${n} runs after ${WARM} warm-up)`,
);
if (process.env.NODES)
  for (const [nm, d] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.NODES)))
    console.log(`  ${nm.padEnd(44)} ${(d / n / 1000).toFixed(3)} ms`);
for (const [op, d] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`  ${op.padEnd(22)} ${(d / n / 1000).toFixed(3)} ms  ${((100 * d) / total).toFixed(1)}%`);

// Issue 14 lab: ORT's per-node profile of the gradient graph (standard ops or NCHWc), the kernel time
// of every node averaged over runs, largest first, and totals per op type.
// node --import tsx bench/lab/grad-profile.ts cnn-3m nchwc|standard [rows]; T=1 for one thread.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { batchFeeds, paramFeeds } from '../../src/backend/feeds.ts';
import { nchwcBlockSize } from '../../src/backend/session.ts';
import { forwardMacsPerExample, getArchitecture, paramLayout } from '../../src/model/architecture.ts';
import { gradGraph, IO } from '../../src/model/graphs.ts';
import { initParams } from '../../src/model/init.ts';
import { randomBatch } from '../timing.ts';

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; output_type_shape?: unknown };
}

const model = process.argv[2] ?? 'cnn-3m';
const variant = process.argv[3] ?? 'nchwc';
const arch = getArchitecture(model);
const layout = paramLayout(arch);
const bs = variant === 'nchwc' ? await nchwcBlockSize() : 0;
const dir = mkdtempSync(join(tmpdir(), 'esgrad-profile-'));
const session = await ort.InferenceSession.create(gradGraph(arch, { nchwcBlock: bs }), {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  intraOpNumThreads: Number(process.env.T ?? 0),
  interOpNumThreads: 1,
  enableProfiling: true,
  profileFilePrefix: join(dir, 'grad'),
});
const feeds: Record<string, ort.Tensor> = {};
paramFeeds(layout, initParams(layout, 1), 0, (n) => n, feeds);
batchFeeds(randomBatch(50), { exampleDims: arch.inputCHW, classes: 10 }, IO.x, IO.y, feeds);
for (let i = 0; i < 3; i++) await session.run(feeds);
const runs = 20;
const t0 = performance.now();
for (let i = 0; i < runs; i++) await session.run(feeds);
const wall = (performance.now() - t0) / runs;
session.endProfiling();
const events = readdirSync(dir).flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ProfileEvent[]);
rmSync(dir, { recursive: true });
const nodes = new Map<string, { op: string; us: number; n: number; shape: string }>();
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const name = e.name.replace(/_kernel_time$/, '');
  const r = nodes.get(name) ?? { op: e.args?.op_name ?? '?', us: 0, n: 0, shape: JSON.stringify(e.args?.output_type_shape ?? '') };
  r.us += e.dur;
  r.n++;
  nodes.set(name, r);
}
const rows = [...nodes].map(([name, r]) => ({ name, ...r, ms: r.us / r.n / 1e3 })).sort((a, b) => b.ms - a.ms);
const total = rows.reduce((a, r) => a + r.ms, 0);
const gflop = (6 * forwardMacsPerExample(arch) * 50) / 1e9;
console.log(`${model} ${variant}: ${wall.toFixed(1)} ms per run, kernels ${total.toFixed(1)} ms, ${gflop.toFixed(3)} GFLOP`);
for (const r of rows.slice(0, Number(process.argv[4] ?? 40)))
  console.log(`${r.ms.toFixed(3).padStart(8)} ms ${((100 * r.ms) / total).toFixed(1).padStart(5)}%  ${r.op.padEnd(16)} ${r.name.padEnd(8)} ${r.shape.slice(0, 80)}`);
const byOp = new Map<string, number>();
for (const r of rows) byOp.set(r.op, (byOp.get(r.op) ?? 0) + r.ms);
console.log([...byOp].sort((a, b) => b[1] - a[1]).map(([op, ms]) => `${op} ${ms.toFixed(2)}`).join(', '));

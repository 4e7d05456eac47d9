// Per-op-type time of the population graph (ORT profiling).
import * as ort from 'onnxruntime-node';
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { getArchitecture, paramLayout } from '../../src/model/architecture.ts';
import { IO, populationGraph } from '../../src/model/graphs.ts';
import { randomF32 } from '../timing.ts';
const [model = 'cnn-29k', ks = '10', threads = '0'] = process.argv.slice(2);
const arch = getArchitecture(model); const layout = paramLayout(arch); const K = Number(ks);
const s = await ort.InferenceSession.create(populationGraph(arch, K), { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: Number(threads), enableProfiling: true, profileFilePrefix: '/tmp/esgprof' });
const theta = randomF32(layout.size, 1), noise = randomF32(layout.size + 1000, 2);
const B = 50, x = new ort.Tensor('float32', randomF32(B * 784, 3), [B, 1, 28, 28]);
const y = new ort.Tensor('float32', new Float32Array(B * 10).map((_, i) => (i % 10 === 0 ? 1 : 0)), [B, 10]);
const feeds: Record<string, ort.Tensor> = {};
const names = new Set(s.inputNames);
for (const sl of layout.slices) feeds[sl.name] = new ort.Tensor('float32', theta.subarray(sl.offset, sl.offset + sl.size), sl.shape);
for (let k = 0; k < K; k++) {
  for (const sl of layout.slices) if (names.has(IO.noise(k, sl.name))) feeds[IO.noise(k, sl.name)] = new ort.Tensor('float32', noise.subarray(k + sl.offset, k + sl.offset + sl.size), sl.shape);
  if (names.has(IO.coef(k))) feeds[IO.coef(k)] = new ort.Tensor('float32', Float32Array.of(0.002), []);
  if (names.has(IO.xk(k))) { feeds[IO.xk(k)] = x; feeds[IO.yk(k)] = y; }
}
if (names.has('x')) { feeds.x = x; feeds.y = y; }
if (names.has('coefs')) feeds.coefs = new ort.Tensor('float32', new Float32Array(K).fill(0.002), [K]);
for (let i = 0; i < 10; i++) await s.run(feeds);
s.endProfiling(); await s.release();
const file = '/tmp/' + readdirSync('/tmp').filter((f) => f.startsWith('esgprof')).sort().pop()!;
const ev = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
unlinkSync(file);
const by = new Map<string, number>(); let total = 0, runs = 0;
for (const e of ev) {
  if (e.cat === 'Session' && e.name === 'model_run') { total += e.dur; runs++; }
  if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) by.set(e.args?.op_name ?? '?', (by.get(e.args?.op_name ?? '?') ?? 0) + e.dur);
}
console.log(`${model} K=${K}: model_run ${(total / runs / 1000).toFixed(2)} ms/run over ${runs} runs`);
const byNode = new Map<string, number>();
for (const e of ev) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) byNode.set(e.name, (byNode.get(e.name) ?? 0) + e.dur);
if (process.env.NODES) for (const [n, d] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  node ${n.padEnd(40)} ${(d / runs / 1000).toFixed(3)} ms`);
for (const [op, d] of [...by].sort((a, b) => b[1] - a[1])) console.log(`  ${op.padEnd(22)} ${(d / runs / 1000).toFixed(3)} ms  ${(100 * d / total).toFixed(1)}%`);

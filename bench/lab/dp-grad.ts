// Issue 14 lab: data-parallel gradient: 2 worker threads, each a 1-thread session on half the batch,
// against one 2-thread session on the whole batch (θ copied into each worker per step, gradients back).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Network } from '../../src/backend/network.ts';
import { median, randomBatch } from '../timing.ts';

const model = process.argv[2] ?? 'cnn-3m';
if (!isMainThread) {
  const { half } = workerData as { half: number };
  const net = Network.byName(model, { threads: 1 });
  const b = randomBatch(50);
  const batch = {
    imagesBxHxW: b.imagesBxHxW.subarray(half * 25 * 784, (half + 1) * 25 * 784),
    labelsB: b.labelsB.subarray(half * 25, (half + 1) * 25),
    count: 25,
  };
  const theta = new Float32Array(net.size);
  parentPort!.on('message', async (sab: SharedArrayBuffer) => {
    theta.set(new Float32Array(sab, 0, net.size));
    const { gradP } = await net.lossAndGrad(theta, batch);
    new Float32Array(sab, 4 * net.size * (1 + half), net.size).set(gradP);
    parentPort!.postMessage(0);
  });
} else {
  const net = Network.byName(model, { threads: 2 });
  const P = net.size;
  const theta = net.initialTheta(0);
  const batch = randomBatch(50);
  const sab = new SharedArrayBuffer(4 * P * 3);
  new Float32Array(sab, 0, P).set(theta);
  const workers = [0, 1].map((half) => new Worker(new URL('../../src/worker-thread.mjs', import.meta.url), { workerData: { half, entry: import.meta.url }, argv: [model] }));
  const dp = async (): Promise<Float32Array> => {
    await Promise.all(workers.map((w) => new Promise((r) => { w.once('message', r); w.postMessage(sab); })));
    const a = new Float32Array(sab, 4 * P, P), b = new Float32Array(sab, 8 * P, P);
    const g = new Float32Array(P);
    for (let i = 0; i < P; i++) g[i] = 0.5 * (a[i]! + b[i]!);
    return g;
  };
  const ref = (await net.lossAndGrad(theta, batch)).gradP;
  const g = await dp();
  let d = 0, m = 0;
  for (let i = 0; i < P; i++) { d = Math.max(d, Math.abs(g[i]! - ref[i]!)); m = Math.max(m, Math.abs(ref[i]!)); }
  console.log(`max |Δgrad| ${d.toExponential(2)} of ${m.toExponential(2)}`);
  const t1: number[] = [], t2: number[] = [];
  for (let i = 0; i < 25; i++) {
    let t = performance.now(); await net.lossAndGrad(theta, batch); t1.push(performance.now() - t);
    t = performance.now(); await dp(); t2.push(performance.now() - t);
  }
  console.log(`${model}: one 2-thread session ${median(t1.slice(3)).toFixed(1)} ms, 2 workers × half batch ${median(t2.slice(3)).toFixed(1)} ms`);
  for (const w of workers) await w.terminate();
  await net.close();
}

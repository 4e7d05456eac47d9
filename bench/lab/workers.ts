// Lab: one session with 2 intra-op threads vs 2 worker_threads with a 1-thread session each (what
// the threaded evaluator will do), population of cnn-29k / cnn-3m on a shared batch of 50.
// usage: workers.ts model K seconds
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Network } from '../../src/backend/network.ts';
import { forwardMacsPerExample, getArchitecture } from '../../src/model/architecture.ts';
import { initParams } from '../../src/model/init.ts';
import { randomBatch, randomF32 } from '../timing.ts';

interface Job {
  model: string;
  K: number;
  seconds: number;
  threads: number;
}

async function prepare(job: Job): Promise<() => Promise<number>> {
  const net = Network.byName(job.model, { threads: job.threads });
  const theta = initParams(net.layout, 1),
    noise = randomF32(net.size + 1_000_000, 3),
    batch = randomBatch(50);
  const copies = Array.from({ length: job.K }, (_, k) => ({
    offset: 7919 * (k >> 1),
    coef: k % 2 ? -0.002 : 0.002,
  }));
  const batches = copies.map(() => batch);
  for (let i = 0; i < 2; i++) await net.populationLosses(theta, noise, copies, batches);
  return async () => {
    // offspring evaluated in job.seconds
    const end = performance.now() + job.seconds * 1e3;
    let n = 0;
    while (performance.now() < end) {
      await net.populationLosses(theta, noise, copies, batches);
      n += job.K;
    }
    return n / job.seconds;
  };
}

if (!isMainThread) {
  const run = await prepare(workerData as Job);
  parentPort!.postMessage('ready');
  parentPort!.once('message', async () => parentPort!.postMessage(await run()));
} else {
  const [model = 'cnn-29k', ks = '10', secs = '5'] = process.argv.slice(2);
  const job = { model, K: Number(ks), seconds: Number(secs) };
  const flop = 2 * forwardMacsPerExample(getArchitecture(model)) * 50;
  const show = (l: string, r: number) =>
    console.log(
      `${model} K=${job.K} ${l.padEnd(36)} ${r.toFixed(1).padStart(7)} offspring/s ${((r * flop) / 1e9).toFixed(1).padStart(7)} GFLOP/s`,
    );
  for (let round = 0; round < 2; round++) {
    const single = await prepare({ ...job, threads: 2 });
    show('1 session, 2 intra-op threads', await single());
    const one = await prepare({ ...job, threads: 1 });
    show('1 session, 1 thread', await one());
    const workers = [0, 1].map(
      () =>
        new Worker(new URL('./workers-entry.mjs', import.meta.url), { workerData: { ...job, threads: 1 } }),
    );
    await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
    const rates = await Promise.all(
      workers.map((w) => {
        const p = new Promise<number>((r) => w.once('message', r));
        w.postMessage('go');
        return p;
      }),
    );
    show('2 workers x 1 thread (sum)', rates[0]! + rates[1]!);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

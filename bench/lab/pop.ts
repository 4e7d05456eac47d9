import { Network } from '../../src/backend/network.ts';
import { forwardMacsPerExample } from '../../src/model/architecture.ts';
import { initParams } from '../../src/model/init.ts';
import { randomF32, timeIt } from '../timing.ts';
const [model = 'cnn-29k', ks = '4,10,20', threads = '0', reps = '7'] = process.argv.slice(2);
const net = Network.byName(model, { threads: Number(threads) });
const theta = initParams(net.layout, 1);
const noise = randomF32(net.size + 100000, 3);
const B = 50;
const batch = { imagesBxHxW: randomF32(B * 784, 5), labelsB: Int32Array.from({ length: B }, (_, i) => i % 10), count: B };
const flop = 2 * forwardMacsPerExample(net.arch) * B;
for (const K of ks.split(',').map(Number)) {
  const copies = Array.from({ length: K }, (_, k) => ({ offset: 7 * k, coef: k % 2 ? -0.002 : 0.002 }));
  const batches = copies.map(() => batch);
  const t0 = Date.now();
  await net.populationLosses(theta, noise, copies, batches);
  const build = Date.now() - t0;
  const t = await timeIt(() => net.populationLosses(theta, noise, copies, batches), Number(reps), 1);
  console.log(`${model} K=${K} thr=${threads}: ${(K / t.median).toFixed(1)} offspring/s, ${(K * flop / t.median / 1e9).toFixed(1)} GFLOP/s (${(t.median * 1e3).toFixed(1)} ms/run, min ${(t.min*1e3).toFixed(1)}; first run ${build} ms)`);
}
await net.close();

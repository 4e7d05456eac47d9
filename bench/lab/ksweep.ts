// Lab: offspring/s of Network.populationLosses (shared batch of 50) against K, the copies per
// session.run, for intra-op threads = all cores and = 1 (the per-core rate that 2 workers would get).
import { Network } from '../../src/backend/network.ts';
import { forwardMacsPerExample } from '../../src/model/architecture.ts';
import { initParams } from '../../src/model/init.ts';
import { randomBatch, randomF32, timeIt } from '../timing.ts';

const [model = 'cnn-29k', ks = '1,2,4,10,20,50', threadsList = '0,1', reps = '7', nchwc = 'true'] =
  process.argv.slice(2);
for (const threads of threadsList.split(',').map(Number)) {
  const net = Network.byName(model, { threads, nchwc: nchwc === 'true' });
  const theta = initParams(net.layout, 1);
  const noise = randomF32(net.size + 1_000_000, 3);
  const batch = randomBatch(50);
  const flop = 2 * forwardMacsPerExample(net.arch) * 50;
  for (const K of ks.split(',').map(Number)) {
    const copies = Array.from({ length: K }, (_, k) => ({
      offset: 7919 * (k >> 1),
      coef: k % 2 ? -0.002 : 0.002,
    }));
    const batches = copies.map(() => batch);
    const t = await timeIt(() => net.populationLosses(theta, noise, copies, batches), Number(reps), 2);
    console.log(
      `${model} nchwc=${nchwc} threads=${threads || 'all'} K=${String(K).padStart(2)}: ${(K / t.median).toFixed(1).padStart(6)} offspring/s  ${((K * flop) / t.median / 1e9).toFixed(1).padStart(6)} GFLOP/s  (${(t.median * 1e3).toFixed(1)} ms/run)`,
    );
  }
  await net.close();
}

// Lab: Network.populationLosses with and without NCHWc ops, shared and own batches, vs net.loss at
// θ + c·ε (the check of test/model/population.test.ts for both graph paths, K = 1, 4, 7, pairs, and
// a net whose channel counts are not multiples of the NCHWc block).
import { Network } from '../../src/backend/network.ts';
import { type Architecture, getArchitecture } from '../../src/model/architecture.ts';
import { initParams } from '../../src/model/init.ts';
import { randomF32 } from '../timing.ts';

// 'odd': channel counts that are not multiples of the NCHWc block, to exercise the fallbacks.
const odd: Architecture = {
  name: 'odd',
  inputCHW: [1, 28, 28],
  layers: [
    { kind: 'conv2d', filters: 8, kernel: 5 },
    { kind: 'relu' },
    { kind: 'maxpool2' },
    { kind: 'conv2d', filters: 24, kernel: 3 },
    { kind: 'maxpool2' },
    { kind: 'relu' },
    { kind: 'flatten' },
    { kind: 'dense', units: 10 },
  ],
};
for (const model of ['odd', 'mlp', 'cnn-29k', 'cnn-3m'])
  for (const nchwc of [true, false])
    for (const K of [1, 4, 7])
      for (const mirrored of K % 2 ? [false] : [false, true]) {
        const net = new Network(model === 'odd' ? odd : getArchitecture(model), { threads: 2, nchwc });
        const theta = initParams(net.layout, 3);
        const noise = randomF32(net.size + 1000, 9);
        const batch = (n: number, s: number) => ({
          imagesBxHxW: randomF32(n * 784, s).map(Math.abs),
          labelsB: Int32Array.from({ length: n }, (_, i) => (i * 3 + s) % 10),
          count: n,
        });
        const copies = Array.from({ length: K }, (_, k) => ({
          offset: 97 * (mirrored ? k >> 1 : k),
          coef: (k % 2 ? -1 : 1) * 0.05,
        }));
        let worst = 0;
        for (const shared of [true, false]) {
          const b0 = batch(20, 1);
          const batches = copies.map((_, k) => (shared ? b0 : batch(7, k + 2)));
          const losses = await net.populationLosses(theta, noise, copies, batches);
          for (let k = 0; k < K; k++) {
            const { offset, coef } = copies[k]!;
            const single = (
              await net.loss(
                theta.map((t, i) => Math.fround(t + Math.fround(coef * noise[offset + i]!))),
                batches[k]!,
              )
            ).loss;
            worst = Math.max(worst, Math.abs(losses[k]! - single) / Math.abs(single));
          }
        }
        console.log(
          `${model} nchwc=${nchwc} K=${K}${mirrored ? ' mirrored pairs' : ''}: max rel err ${worst.toExponential(2)}${worst > 1e-6 ? '  <-- FAIL' : ''}`,
        );
        await net.close();
      }

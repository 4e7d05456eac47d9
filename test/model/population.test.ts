// Checks the population graph: the loss of member k equals a single forward pass of the loss graph
// at θ + c_k·ε_k (perturbed here in JS), on a shared mini-batch and on per-member batches.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Network } from '../../src/backend/network.ts';
import { initParams } from '../../src/model/init.ts';
import { createRng, nextFloat, nextInt, nextNormal } from '../../src/rng/prng.ts';

function randomBatch(count: number, rng: ReturnType<typeof createRng>) {
  return {
    imagesBxHxW: Float32Array.from({ length: count * 784 }, () => nextFloat(rng)),
    labelsB: Int32Array.from({ length: count }, () => nextInt(rng, 10)),
    count,
  };
}

for (const model of ['mlp', 'cnn-29k', 'cnn-3m']) {
  describe(`population graph of ${model}`, () => {
    const K = 5;
    const rng = createRng(3);
    const net = Network.byName(model, { threads: 2 });
    const thetaP = initParams(net.layout, 3);
    const noise = Float32Array.from({ length: net.size + 1000 }, () => nextNormal(rng));
    const copies = Array.from({ length: K }, (_, k) => ({ offset: 97 * k, coef: (k % 2 ? -1 : 1) * 0.05 }));

    async function singleLoss(k: number, batch: ReturnType<typeof randomBatch>): Promise<number> {
      const { offset, coef } = copies[k]!;
      const perturbed = thetaP.map((t, i) => Math.fround(t + Math.fround(coef * noise[offset + i]!)));
      return (await net.loss(perturbed, batch)).loss;
    }

    it('matches single forwards on a shared mini-batch', async () => {
      const batch = randomBatch(20, rng);
      const losses = await net.populationLosses(
        thetaP,
        noise,
        copies,
        copies.map(() => batch),
      );
      const distinct = new Set(losses).size;
      assert.equal(distinct, K, 'perturbations must change the loss');
      for (let k = 0; k < K; k++) {
        const single = await singleLoss(k, batch);
        assert.ok(
          Math.abs(losses[k]! - single) <= 1e-6 * Math.abs(single),
          `member ${k}: ${losses[k]} vs ${single}`,
        );
      }
    });

    it('matches single forwards on per-member batches', async () => {
      const batches = copies.map(() => randomBatch(7, rng));
      const losses = await net.populationLosses(thetaP, noise, copies, batches);
      for (let k = 0; k < K; k++) {
        const single = await singleLoss(k, batches[k]!);
        assert.ok(
          Math.abs(losses[k]! - single) <= 1e-6 * Math.abs(single),
          `member ${k}: ${losses[k]} vs ${single}`,
        );
      }
      await net.close();
    });
  });
}

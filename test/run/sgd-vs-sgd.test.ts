// SGD vs SGD along any run (--sgd-vs-sgd-every): the logged sgdVsSgdCorr at iteration t is the Pearson
// correlation of the gradients of mini-batch t and of the independent sequence's batch t at θ_t,
// recomputed here from θ_t with a float64 Pearson; the summary carries their mean.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { builtinSource, openModel } from '../../src/backend/source.ts';
import { batchIndices, gatherBatch, loadDataset } from '../../src/data/index.ts';
import { hashSeed } from '../../src/rng/prng.ts';
import { parseTrainConfig } from '../../src/run/config.ts';
import { train } from '../../src/run/train.ts';
import type { Metrics, Vec } from '../../src/types.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-sgd-vs-sgd-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function pearson64(a: Vec, b: Vec): number {
  let ma = 0,
    mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= a.length;
  mb /= b.length;
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - ma,
      y = b[i]! - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('SGD vs SGD along any run', () => {
  for (const algo of ['es', 'proxy', 'sgd'] as const) {
    it(`${algo}: sgdVsSgdCorr at θ_t is the correlation of two independent batches' gradients`, async () => {
      const seed = 7,
        batch = 32;
      const config = parseTrainConfig({
        algo,
        model: 'mlp',
        iters: 3,
        batch,
        seed,
        population: 20,
        evaluator: 'local',
        noiseTableSize: 1 << 18,
        sgdVsSgdEvery: 2,
        evalEvery: 100,
        out: join(tmp, algo),
        dataDir: MNIST_DIR,
      });
      const records: Metrics[] = [];
      const thetas: Float32Array[] = [];
      const summary = await train(config, {
        quiet: true,
        onIteration: (m, thetaP) => {
          records.push(m);
          thetas.push(Float32Array.from(thetaP));
        },
      });
      assert.deepEqual(
        records.map((r) => typeof r.sgdVsSgdCorr),
        ['number', 'undefined', 'number'],
        'iterations 0 and 2 (every 2)',
      );
      const data = await loadDataset('mnist', { dataDir: MNIST_DIR });
      const model = openModel(builtinSource('mlp'), { threads: 1 });
      try {
        const thetaAt = (t: number) => (t === 0 ? model.initialTheta(seed) : thetas[t - 1]!);
        const corrs: number[] = [];
        for (const t of [0, 2]) {
          const mine = gatherBatch(data.train, batchIndices(seed, t, batch, data.train.count));
          const other = gatherBatch(
            data.train,
            batchIndices(hashSeed(seed, 0x5ec0), t, batch, data.train.count),
          );
          const g1 = (await model.lossAndGrad!(thetaAt(t), mine)).gradP;
          const g2 = (await model.lossAndGrad!(thetaAt(t), other)).gradP;
          const expected = pearson64(g1, g2);
          corrs.push(expected);
          const got = records[t]!.sgdVsSgdCorr as number;
          assert.ok(Math.abs(got - expected) < 1e-9, `t=${t}: ${got} vs ${expected}`);
          assert.ok(expected > 0.05 && expected < 0.95, `a real correlation: ${expected}`);
        }
        const mean = (corrs[0]! + corrs[1]!) / 2;
        assert.ok(Math.abs((summary.meanSgdVsSgdCorr as number) - mean) < 1e-9);
      } finally {
        await model.close();
      }
    });
  }
});

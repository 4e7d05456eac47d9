// The correlation-vs-population search: ρ rises with the number of offspring as sampling theory says
// (mirrored, linear regime), and the search stops at the target or at the cap.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Aggregator } from '../../src/aggregate/index.ts';
import { expectedCorrelation, populationSearch } from '../../src/analysis/population-search.ts';
import { Network } from '../../src/backend/network.ts';
import { loadDataset } from '../../src/data/index.ts';
import { type TaskData, taskData } from '../../src/evaluate/evaluator.ts';
import { LocalEvaluator } from '../../src/evaluate/local.ts';
import { initParams } from '../../src/model/init.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

describe('population search (mlp, 25,450 parameters)', () => {
  let net: Network, data: TaskData, noise: Float32Array, aggregator: Aggregator;
  before(async () => {
    const ds = await loadDataset('mnist', { dataDir: MNIST_DIR });
    net = Network.byName('mlp', { threads: 2 });
    noise = createNoiseTable(8, 1 << 20);
    aggregator = new Aggregator(noise, { threads: 2 });
    data = taskData(ds.train, { seed: 8, batch: 50 });
  });
  after(async () => {
    await net.close();
    await aggregator.close();
  });

  const search = (target: number, chunk: number, cap: number) =>
    populationSearch({
      net,
      evaluator: new LocalEvaluator(net, noise, data),
      aggregator,
      data,
      thetaP: initParams(net.layout, 8),
      sigma: 0.002,
      target,
      chunk,
      cap,
    });

  it('ρ rises with offspring, within 15% of sqrt(n/(n+P+1))', async () => {
    const { points, reached } = await search(0.99, 1000, 8000);
    assert.equal(reached, null);
    assert.deepEqual(
      points.map((p) => p.offspring),
      [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000],
    );
    for (const p of points) {
      const theory = expectedCorrelation(p.offspring, net.size);
      assert.ok(Math.abs(p.corr / theory - 1) < 0.15, `${p.offspring}: ρ ${p.corr} vs ${theory}`);
    }
    assert.ok(points.at(-1)!.corr > 2.5 * points[0]!.corr, 'ρ(8000) ≈ 2.8·ρ(1000)');
  });

  it('stops at the first chunk whose ρ reaches the target', async () => {
    const { points, reached } = await search(0.25, 1000, 100_000);
    assert.equal(reached, points.at(-1)!.offspring);
    assert.ok(points.at(-1)!.corr >= 0.25 && points.slice(0, -1).every((p) => p.corr < 0.25));
  });
});

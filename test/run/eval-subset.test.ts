// --eval-subset: the periodic evaluations are of the first N test images (equal to Model.evaluate on
// those arrays), the full test set is evaluated once at the end and gives finalTestAccuracy.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Network } from '../../src/backend/network.ts';
import { loadDataset } from '../../src/data/index.ts';
import { parseTrainConfig } from '../../src/run/config.ts';
import { firstExamples } from '../../src/run/test-evaluation.ts';
import { train } from '../../src/run/train.ts';
import { type Metrics, UsageError } from '../../src/types.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-eval-subset-'));
const config = (out: string, evalSubset: number) =>
  parseTrainConfig({ model: 'mlp', iters: 7, batch: 16, evalEvery: 3, evalSubset, out, dataDir: MNIST_DIR });

describe('--eval-subset', () => {
  it('evaluates the first N test images every k iterations and the full test set at the end', async () => {
    const records: Metrics[] = [];
    const thetas = new Map<number, Float32Array>();
    const summary = await train(config(join(tmp, 'sgd'), 500), {
      quiet: true,
      onIteration: (m, thetaP) => {
        records.push(m);
        thetas.set(Number(m.iter), thetaP.slice());
      },
    });
    const evaluated = (key: string) => records.filter((r) => key in r).map((r) => r.iter);
    assert.deepEqual(evaluated('subsetTestAccuracy'), [3, 6, 7]);
    assert.deepEqual(evaluated('subsetTestLoss'), [3, 6, 7]);
    assert.deepEqual(evaluated('testAccuracy'), [7]);
    assert.deepEqual(evaluated('testLoss'), [7]);

    const { test } = await loadDataset('mnist', { dataDir: MNIST_DIR });
    const subset = firstExamples(test, 500);
    assert.equal(subset.labels.length, 500);
    const net = Network.byName('mlp');
    try {
      for (const r of records.filter((r) => 'subsetTestAccuracy' in r)) {
        const own = await net.evaluate(thetas.get(Number(r.iter))!, subset.images, subset.labels);
        assert.equal(r.subsetTestAccuracy, own.accuracy);
        assert.equal(r.subsetTestLoss, own.loss);
      }
      const full = await net.evaluate(thetas.get(7)!, test.imagesNxHxW, test.labelsN);
      assert.equal(summary.finalTestAccuracy, full.accuracy);
      assert.equal(summary.finalTestLoss, full.loss);
      assert.equal(summary.bestTestAccuracy, full.accuracy);
      const subsetAccs = records.map((r) => r.subsetTestAccuracy).filter((v) => typeof v === 'number');
      assert.equal(summary.bestSubsetTestAccuracy, Math.max(...subsetAccs));
    } finally {
      await net.close();
    }
  });

  it('0 (the default) evaluates the full test set every time and adds no subset fields', async () => {
    const records: Metrics[] = [];
    const summary = await train(config(join(tmp, 'full'), 0), {
      quiet: true,
      onIteration: (m) => records.push(m),
    });
    assert.deepEqual(
      records.filter((r) => 'testAccuracy' in r).map((r) => r.iter),
      [3, 6, 7],
    );
    assert.ok(records.every((r) => !('subsetTestAccuracy' in r)));
    assert.ok(!('bestSubsetTestAccuracy' in summary));
  });

  it('refuses a subset as large as the test set', async () => {
    await assert.rejects(train(config(join(tmp, 'big'), 10_000), { quiet: true }), UsageError);
  });
});

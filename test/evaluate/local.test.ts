// The in-process evaluator against single forward passes: every reward of an ES iteration equals
// −loss at θ + sign·σ·ε computed independently (perturbation in JS, loss graph on one copy), also
// for limited-perturbation tasks on per-offspring subsets.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Network } from '../../src/backend/network.ts';
import { gatherBatch, loadDataset, subsetIndices } from '../../src/data/index.ts';
import { bucketLayout } from '../../src/es/buckets.ts';
import { ask, init } from '../../src/es/index.ts';
import { taskData as makeTaskData, taskBatches } from '../../src/evaluate/evaluator.ts';
import { LocalEvaluator } from '../../src/evaluate/local.ts';
import { initParams } from '../../src/model/init.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

it('rewards of a generation equal −loss of single forwards at θ + sign·σ·ε', async () => {
  const data = await loadDataset('mnist', { dataDir: MNIST_DIR });
  const net = Network.byName('cnn-29k', { threads: 2 });
  const noise = createNoiseTable(5, 100_000);
  const sigma = 0.01;
  const state = init(
    { population: 14, sigma, noiseTableSize: noise.length, seed: 5 },
    initParams(net.layout, 5),
  );
  const tasks = ask(state);
  const taskData = makeTaskData(data.train, { seed: 5, batch: 20, subsetSize: 20 });
  // Copies per run (4) does not divide N (14): the last run is a partial chunk.
  const rewards = await new LocalEvaluator(net, noise, taskData, 4).evaluate(state.thetaP, sigma, tasks);
  const batches = taskBatches(taskData, tasks);
  for (const [i, t] of tasks.entries()) {
    const perturbed = state.thetaP.map((v, j) =>
      Math.fround(v + Math.fround(t.sign * sigma * noise[t.noiseOffset + j]!)),
    );
    const { loss } = await net.loss(perturbed, batches[i]!);
    assert.ok(
      Math.abs(rewards[i]! + loss) <= 1e-6 * loss,
      `task ${i}: reward ${rewards[i]} vs −loss ${-loss}`,
    );
  }
  assert.notEqual(rewards[0], rewards[1], 'mirrored members differ');
  await net.close();
});

it('limited + no-mini-batch tasks: reward = −loss with only the bucket perturbed, on the subset rebuilt from the task', async () => {
  const data = await loadDataset('mnist', { dataDir: MNIST_DIR });
  const net = Network.byName('cnn-29k', { threads: 2 });
  const noise = createNoiseTable(6, 100_000);
  const sigma = 0.05,
    S = 5000;
  const state = init(
    {
      population: 6,
      sigma,
      noiseTableSize: noise.length,
      seed: 6,
      limited: true,
      bucketSize: S,
      noMinibatch: true,
      subsetSize: 9,
    },
    initParams(net.layout, 6),
  );
  const tasks = ask(state);
  const taskData = makeTaskData(data.train, {
    seed: 6,
    batch: 20,
    subsetSize: 9,
    limited: true,
    bucketSize: S,
  });
  const rewards = await new LocalEvaluator(net, noise, taskData, 4).evaluate(state.thetaP, sigma, tasks);
  const { startsB, sizesB } = bucketLayout(net.size, S);
  for (const [i, t] of tasks.entries()) {
    const perturbed = state.thetaP.slice();
    for (let j = 0; j < sizesB[t.bucket]!; j++) {
      const at = startsB[t.bucket]! + j;
      perturbed[at] = Math.fround(perturbed[at]! + Math.fround(t.sign * sigma * noise[t.noiseOffset + j]!));
    }
    const { loss } = await net.loss(
      perturbed,
      gatherBatch(data.train, subsetIndices(t.dataSeed, 9, data.train.count)),
    );
    assert.ok(
      Math.abs(rewards[i]! + loss) <= 1e-6 * loss,
      `task ${i}: reward ${rewards[i]} vs −loss ${-loss}`,
    );
  }
  await net.close();
});

// The threads evaluator against the in-process one: bit-identical rewards for the same tasks, with
// one or two workers, and when a worker dies mid-iteration (it is replaced and its chunk re-run).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Network } from '../../src/backend/network.ts';
import { builtinSource } from '../../src/backend/source.ts';
import { loadDataset } from '../../src/data/index.ts';
import { ask, init } from '../../src/es/index.ts';
import { taskData as makeTaskData, type TaskData } from '../../src/evaluate/evaluator.ts';
import { LocalEvaluator } from '../../src/evaluate/local.ts';
import { sharedSplit, ThreadsEvaluator } from '../../src/evaluate/threads.ts';
import { initParams } from '../../src/model/init.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

describe('ThreadsEvaluator', () => {
  const size = 200_000;
  const sigma = 0.01;
  let net: Network, taskData: TaskData, expected: Float64Array;
  let state: ReturnType<typeof init>;
  const sharedTable = createNoiseTable(9, size, new SharedArrayBuffer(4 * size));

  before(async () => {
    const data = await loadDataset('mnist', { dataDir: MNIST_DIR });
    net = Network.byName('cnn-29k', { threads: 2 });
    taskData = makeTaskData(sharedSplit(data.train), { seed: 9, batch: 16, subsetSize: 16 });
    state = init({ population: 30, sigma, noiseTableSize: size, seed: 9 }, initParams(net.layout, 9));
    expected = await new LocalEvaluator(net, createNoiseTable(9, size), taskData, 4).evaluate(
      state.thetaP,
      sigma,
      ask(state),
    );
  });
  after(() => net.close());

  for (const workers of [1, 2]) {
    it(`gives rewards bit-identical to the local evaluator with ${workers} worker(s)`, async () => {
      const ev = new ThreadsEvaluator(builtinSource('cnn-29k'), net.size, sharedTable, taskData, {
        workers,
        copiesPerRun: 4,
        tasksPerChunk: 6,
      });
      try {
        const progress: number[] = [];
        const rewards = await ev.evaluate(state.thetaP, sigma, ask(state), (d) => progress.push(d));
        assert.deepEqual(rewards, expected);
        assert.equal(progress.at(-1), 30);
      } finally {
        await ev.close();
      }
    });
  }

  it('replaces a worker that dies mid-iteration and re-runs its tasks', async () => {
    const ev = new ThreadsEvaluator(builtinSource('cnn-29k'), net.size, sharedTable, taskData, {
      workers: 2,
      copiesPerRun: 4,
      tasksPerChunk: 6,
      exitOnChunk: 2,
    });
    try {
      assert.deepEqual(await ev.evaluate(state.thetaP, sigma, ask(state)), expected);
      assert.equal(ev.restarts, 1, 'one worker died and was replaced');
      assert.equal(ev.workers, 2);
      // The pool still works for the next generation.
      assert.deepEqual(await ev.evaluate(state.thetaP, sigma, ask(state)), expected);
    } finally {
      await ev.close();
    }
  });

  it('gives bit-identical rewards for limited-perturbation tasks on per-offspring subsets', async () => {
    const limited = makeTaskData(taskData.train, {
      ...taskData.settings,
      limited: true,
      bucketSize: 3000,
      subsetSize: 12,
    });
    const st = init(
      {
        population: 12,
        sigma,
        noiseTableSize: size,
        seed: 4,
        limited: true,
        bucketSize: 3000,
        noMinibatch: true,
        subsetSize: 12,
      },
      state.thetaP,
    );
    const local = await new LocalEvaluator(net, createNoiseTable(9, size), limited, 4).evaluate(
      st.thetaP,
      sigma,
      ask(st),
    );
    const ev = new ThreadsEvaluator(builtinSource('cnn-29k'), net.size, sharedTable, limited, {
      workers: 2,
      copiesPerRun: 4,
      tasksPerChunk: 6,
    });
    try {
      assert.deepEqual(await ev.evaluate(st.thetaP, sigma, ask(st)), local);
    } finally {
      await ev.close();
    }
  });

  it('refuses a noise table that is not shared memory', () => {
    assert.throws(
      () => new ThreadsEvaluator(builtinSource('cnn-29k'), net.size, createNoiseTable(9, size), taskData),
      /SharedArrayBuffer/,
    );
  });
});

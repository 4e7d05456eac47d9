// A spec network (3×3 conv, tanh, avgpool, dense) trained by ES for 2 iterations on a 2,000-image slice
// of MNIST kept in a user's directory: in-process, on 2 worker threads and on 2 Redis worker processes
// (given the directory with --dataset, the model only through esgrad:model) the rewards and θ are identical.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Aggregator } from '../../src/aggregate/index.ts';
import type { Model } from '../../src/backend/model.ts';
import { type ModelSource, openModel } from '../../src/backend/source.ts';
import { type Dataset, loadDataset, type Split } from '../../src/data/index.ts';
import { ask, type EsState, init, tell } from '../../src/es/index.ts';
import type { Evaluator } from '../../src/evaluate/evaluator.ts';
import { esResources } from '../../src/evaluate/factory.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startWorker, stopWorker, type WorkerProcess } from '../helpers/worker-process.ts';

const SOURCE: ModelSource = {
  format: 'spec',
  spec: {
    name: 'tiny-conv',
    inputCHW: [1, 28, 28],
    layers: [
      { kind: 'conv2d', filters: 4, kernel: 3 },
      { kind: 'tanh' },
      { kind: 'avgpool', kernel: 2 },
      { kind: 'flatten' },
      { kind: 'dense', units: 10 },
    ],
  },
};

/** IDX bytes of uint8 values (MNIST's pixels are k/255: ×255 gives them back exactly). */
function idx(dims: readonly number[], values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  out.set(values, 4 + 4 * dims.length);
  return out;
}

function writeSlice(dir: string, split: Split, count: number, images: string, labels: string): void {
  const pixels = split.imagesNxHxW.subarray(0, count * split.rows * split.cols);
  writeFileSync(
    join(dir, images),
    idx(
      [count, split.rows, split.cols],
      pixels.map((p) => Math.round(p * 255)),
    ),
  );
  writeFileSync(join(dir, labels), idx([count], split.labelsN.subarray(0, count)));
}

const settings = {
  seed: 4,
  batch: 16,
  population: 20,
  sigma: 0.05,
  noiseTableSize: 1 << 18,
  subsetSize: 16,
  limited: false,
  bucketSize: 5000,
};
const transport = { threads: 1, workers: 2 };

describe('a spec network on every evaluator', () => {
  let dir: string, data: Dataset, model: Model, redis: TestRedis;
  const workers: WorkerProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'esgrad-slice-'));
    const mnist = await loadDataset('mnist', { dataDir: MNIST_DIR });
    writeSlice(dir, mnist.train, 2000, 'train-images.idx', 'train-labels.idx');
    writeSlice(dir, mnist.test, 100, 'test-images.idx', 'test-labels.idx');
    data = await loadDataset(dir);
    model = openModel(SOURCE, { threads: 1 });
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(workers.map(stopWorker));
    await model?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** θ and every generation's rewards after 2 ES iterations through the configured evaluator. */
  async function run(evaluator: 'local' | 'threads' | 'redis') {
    const res = esResources({ ...settings, ...transport, evaluator }, model, SOURCE, data, {
      redisUrl: redis.url,
    });
    try {
      let state: EsState = init(settings, model.initialTheta(settings.seed));
      const rewards: Float64Array[] = [];
      for (let g = 0; g < 2; g++) {
        const tasks = ask(state);
        rewards.push(await (res.evaluator as Evaluator).evaluate(state.thetaP, settings.sigma, tasks));
        state = tell(state, tasks, rewards.at(-1)!, res.aggregator as Aggregator).state;
      }
      return { theta: state.thetaP, rewards };
    } finally {
      await res.close();
    }
  }

  it('in-process, 2 worker threads and 2 Redis workers give the same rewards and θ', async () => {
    const local = await run('local');
    assert.ok(local.rewards.every((r) => r.every(Number.isFinite) && new Set(r).size > 10));
    assert.notDeepEqual(local.theta, model.initialTheta(settings.seed));
    const threads = await run('threads');
    assert.deepEqual(threads, local);
    for (const name of ['s1', 's2'])
      workers.push(startWorker(redis.url, name, ['--dataset', dir], { ...process.env, ESGRAD_DATA_DIR: '' }));
    assert.deepEqual(await run('redis'), local);
  });
});

// Limited-perturbation and no-mini-batch ES: tasks carry a bucket and a data seed; the limited
// estimator is unbiased on a known (linear) gradient and aggregates only perturbed parameters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subsetIndices } from '../../src/data/index.ts';
import { bucketLayout } from '../../src/es/buckets.ts';
import { ask, init, tell } from '../../src/es/openai-es.ts';
import type { EsTask } from '../../src/es/task.ts';
import { evaluationSettings, taskIndices } from '../../src/evaluate/evaluator.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { aggregatorFor as agg } from './helpers.ts';

describe('bucket layout', () => {
  it('tiles θ with contiguous buckets of at most S, sizes differing by at most 1', () => {
    const { startsB, sizesB } = bucketLayout(3_274_634, 5000);
    assert.equal(sizesB.length, 655);
    assert.ok(Math.max(...sizesB) <= 5000 && Math.max(...sizesB) - Math.min(...sizesB) <= 1);
    let next = 0;
    sizesB.forEach((size, b) => {
      assert.equal(startsB[b], next);
      next += size;
    });
    assert.equal(next, 3_274_634);
  });
});

/** reward(θ + σ·sign·ε_bucket) for reward(x) = a·x, perturbing only the task's bucket. */
function linearRewards(
  thetaP: Float32Array,
  a: Float64Array,
  tasks: readonly EsTask[],
  table: Float32Array,
  sigma: number,
  S: number,
) {
  const { startsB, sizesB } = bucketLayout(thetaP.length, S);
  return Float64Array.from(tasks, (t) => {
    let r = 0;
    for (let j = 0; j < thetaP.length; j++) r += a[j]! * thetaP[j]!;
    for (let j = 0; j < sizesB[t.bucket]!; j++)
      r += a[startsB[t.bucket]! + j]! * sigma * t.sign * table[t.noiseOffset + j]!;
    return r;
  });
}

describe('limited-perturbation ES', () => {
  const P = 60,
    S = 25,
    sigma = 0.01;
  const table = createNoiseTable(3, 5000);
  const a = Float64Array.from({ length: P }, (_, j) => Math.sin(j + 1));

  it('tasks: one bucket per mirrored pair, windows of the bucket length, deterministic', () => {
    const state = init(
      { population: 40, sigma, noiseTableSize: table.length, seed: 1, limited: true, bucketSize: S },
      new Float32Array(P),
    );
    const tasks = ask(state);
    assert.deepEqual(tasks, ask(state));
    for (let i = 0; i < tasks.length; i += 2) {
      assert.equal(tasks[i]!.bucket, tasks[i + 1]!.bucket);
      assert.ok(tasks[i]!.bucket >= 0 && tasks[i]!.bucket < 3);
    }
    assert.equal(new Set(tasks.map((t) => t.bucket)).size, 3);
  });

  it('one step: g_b = −1/(N_b σ) Σ_{i in b} f_i ε_i on bucket b, by hand', () => {
    const state = init(
      {
        population: 8,
        sigma,
        noiseTableSize: table.length,
        seed: 2,
        limited: true,
        bucketSize: S,
        optimizer: 'sgd',
        lr: 1,
      },
      new Float32Array(P),
    );
    const tasks = ask(state);
    const rewards = linearRewards(state.thetaP, a, tasks, table, sigma, S);
    const { gradP } = tell(state, tasks, rewards, agg(table));
    const { startsB, sizesB } = bucketLayout(P, S);
    const expected = new Float64Array(P);
    const perBucket = [0, 0, 0];
    for (const t of tasks) perBucket[t.bucket]!++;
    tasks.forEach((t, i) => {
      for (let j = 0; j < sizesB[t.bucket]!; j++) {
        expected[startsB[t.bucket]! + j]! -=
          (rewards[i]! * t.sign * table[t.noiseOffset + j]!) / (perBucket[t.bucket]! * sigma);
      }
    });
    for (let j = 0; j < P; j++)
      assert.ok(
        Math.abs(gradP[j]! - expected[j]!) <= 1e-5 * (1 + Math.abs(expected[j]!)),
        `j=${j}: ${gradP[j]} vs ${expected[j]}`,
      );
    // Parameters of buckets no offspring drew stay exactly 0.
    for (let b = 0; b < 3; b++)
      if (perBucket[b] === 0)
        assert.ok(gradP.subarray(startsB[b]!, startsB[b]! + sizesB[b]!).every((v) => v === 0));
  });

  it('is unbiased: the mean estimate over 400 generations is the true loss gradient −a', () => {
    let state = init(
      {
        population: 60,
        sigma,
        noiseTableSize: table.length,
        seed: 4,
        limited: true,
        bucketSize: S,
        optimizer: 'sgd',
        lr: 1e-12,
      },
      new Float32Array(P),
    );
    const meanP = new Float64Array(P);
    const G = 400;
    for (let g = 0; g < G; g++) {
      const tasks = ask(state);
      const told = tell(state, tasks, linearRewards(state.thetaP, a, tasks, table, sigma, S), agg(table));
      for (let j = 0; j < P; j++) meanP[j]! += told.gradP[j]! / G;
      state = told.state;
    }
    let err = 0,
      norm = 0;
    for (let j = 0; j < P; j++) {
      err += (meanP[j]! + a[j]!) ** 2;
      norm += a[j]! ** 2;
    }
    // Per generation each bucket sees ~10 pairs of a 20-dimensional bucket: the mean's expected
    // relative error is about sqrt(20 / (10 · 400)) = 0.07.
    assert.ok(Math.sqrt(err / norm) < 0.2, `relative error ${Math.sqrt(err / norm)}`);
  });
});

describe('no-mini-batch ES', () => {
  it('each unit has its own data seed (mirrored pairs share it); its subset is rebuilt from the task alone', () => {
    const state = init(
      { population: 10, noiseTableSize: 1000, seed: 5, noMinibatch: true, subsetSize: 7 },
      new Float32Array(100),
    );
    const tasks = ask(state);
    for (let i = 0; i < tasks.length; i += 2) assert.equal(tasks[i]!.dataSeed, tasks[i + 1]!.dataSeed);
    assert.equal(new Set(tasks.map((t) => t.dataSeed)).size, 5);
    assert.ok(tasks.every((t) => t.dataSeed >= 0));
    const split = {
      imagesNxHxW: new Float32Array(0),
      labelsN: new Int32Array(0),
      count: 1000,
      channels: 1,
      rows: 28,
      cols: 28,
    };
    const data = { train: split, settings: evaluationSettings({ seed: 5, batch: 50, subsetSize: 7 }) };
    for (const t of tasks) assert.deepEqual(taskIndices(data, t), subsetIndices(t.dataSeed, 7, 1000));
    // A different generation draws different subsets.
    const later = ask({ ...state, generation: 1 });
    assert.notDeepEqual(
      later.map((t) => t.dataSeed),
      tasks.map((t) => t.dataSeed),
    );
  });
});

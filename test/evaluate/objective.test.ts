// Objectives' building blocks: a module's function (default or named `objective` export) and sha256 of
// its bytes; the candidates of limited-perturbation tasks (only the bucket's window perturbed, float32);
// rewards ±f in task order from the one routine every transport runs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bucketLayout } from '../../src/es/buckets.ts';
import { candidates } from '../../src/es/candidates.ts';
import { ask, init } from '../../src/es/index.ts';
import { evaluationSettings } from '../../src/evaluate/evaluator.ts';
import { loadObjective } from '../../src/evaluate/objective.ts';
import { evaluateObjectiveTasks } from '../../src/evaluate/objective-local.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { RASTRIGIN, rastrigin, SPHERE } from '../fixtures/objectives.ts';

describe('objective modules', () => {
  it('loads the default export or the named `objective`, identified by the sha256 of the file', async () => {
    const r = await loadObjective(RASTRIGIN);
    assert.equal(r.hash, createHash('sha256').update(readFileSync(RASTRIGIN)).digest('hex'));
    const x = Float32Array.of(0.5, -1.25, 3);
    assert.equal(await r.fn(x), rastrigin(x));
    const s = await loadObjective(SPHERE);
    assert.equal(await s.fn(x), 0.25 + 1.5625 + 9);
  });
});

describe('candidates', () => {
  it('limited perturbation: θ outside the bucket, float32(θ + float32(float32(±σ)·ε)) inside', async () => {
    const P = 1003,
      S = 250,
      sigma = 0.3;
    const config = { population: 8, sigma, seed: 2, limited: true, bucketSize: S, noiseTableSize: 20_000 };
    const theta0 = Float32Array.from({ length: P }, (_, j) => Math.sin(j));
    const state = init(config, theta0);
    const tasks = ask(state);
    const table = createNoiseTable(2, 20_000);
    const { startsB, sizesB } = bucketLayout(P, S);
    const xs = candidates(state, tasks, table);
    for (const [i, t] of tasks.entries()) {
      const want = theta0.slice();
      const c = Math.fround(t.sign * sigma);
      for (let j = 0; j < sizesB[t.bucket]!; j++) {
        const at = startsB[t.bucket]! + j;
        want[at] = Math.fround(theta0[at]! + Math.fround(c * table[t.noiseOffset + j]!));
      }
      assert.deepEqual(xs[i], want, `task ${i}`);
    }
    const rewards = await evaluateObjectiveTasks(
      { fn: rastrigin, direction: 'minimize' },
      table,
      evaluationSettings(config),
      state.thetaP,
      sigma,
      tasks,
      () => assert.fail('no failure expected'),
    );
    assert.deepEqual(
      rewards,
      Float64Array.from(xs, (x) => -rastrigin(x)),
    );
  });
});

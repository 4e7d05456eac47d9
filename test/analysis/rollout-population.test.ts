// corr population --task (issue 13 #6): the estimate is tell()'s ES gradient (checked against a float64
// sum with ranks counted by hand), the reference against itself gives ρ = 1, and ρ grows with N on cartpole.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Aggregator } from '../../src/aggregate/index.ts';
import { pearson } from '../../src/analysis/correlation.ts';
import {
  estimateOf,
  predictedCorrelation,
  REFERENCE_GENERATION,
  repeatGeneration,
  rolloutPopulation,
  streamTasks,
} from '../../src/analysis/rollout-population.ts';
import { identityFilter } from '../../src/env/obs-filter.ts';
import { initPolicy } from '../../src/env/policy.ts';
import { init } from '../../src/es/index.ts';
import type { EsTask } from '../../src/es/task.ts';
import { evaluationSettings } from '../../src/evaluate/evaluator.ts';
import { runNoiseTable } from '../../src/evaluate/factory.ts';
import { type RolloutSettings, rolloutPolicySpec } from '../../src/evaluate/rollout.ts';
import { LocalRolloutEvaluator } from '../../src/evaluate/rollout-local.ts';
import { controlEsSettings, parseControlConfig } from '../../src/run/control-config.ts';
import { controlPopulation } from '../../src/run/control-population.ts';
import { UsageError } from '../../src/types.ts';
import { esgrad, oneLineError } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-rollout-population-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A cartpole setting with a small policy (P = 4·4 + 4 + 4·2 + 2 = 30) on the local evaluator. */
async function cartpole(capacity: number) {
  const config = parseControlConfig({ task: 'cartpole', hidden: [4], evaluator: 'local', seed: 3 });
  const settings: RolloutSettings = {
    task: 'cartpole',
    hidden: [4],
    episodes: 1,
    maxSteps: 0,
    obsStatsFraction: 0,
  };
  const spec = rolloutPolicySpec(settings);
  const state = init(controlEsSettings(config), initPolicy(spec, config.seed));
  const P = state.thetaP.length;
  const table = runNoiseTable(state.config.seed, state.config.noiseTableSize, false);
  const aggregator = new Aggregator(table, { threads: 1 });
  const evaluator = new LocalRolloutEvaluator(settings, table, evaluationSettings(state.config), P, capacity);
  evaluator.setObsFilter(identityFilter(spec.observationSize));
  const evaluate = (tasks: readonly EsTask[]) => evaluator.evaluate(state.thetaP, state.config.sigma, tasks);
  const close = async () => {
    await evaluator.close();
    await aggregator.close();
  };
  return { state, P, table, aggregator, evaluate, close };
}

test('the estimate of n offspring is the ES gradient: -Σ_pairs (f+ − f−) ε / (n σ) with centered ranks over the n', async () => {
  const c = await cartpole(8);
  try {
    const tasks = streamTasks(c.state, repeatGeneration(0), 12);
    assert.equal(tasks.length, 12);
    const rewards = Float64Array.from([5, 9, 1, 30, 7, 2, 11, 4, 8, 3, 6, 10]); // distinct, no ties
    const n = 8;
    const gotP = estimateOf(c.state, tasks, rewards, n, c.aggregator);
    const rank = (i: number) => rewards.subarray(0, n).filter((r) => r < rewards[i]!).length;
    const expectedP = new Float64Array(c.P);
    for (let i = 0; i < n; i++) {
      const t = tasks[i]!;
      assert.equal(t.sign, i % 2 === 0 ? 1 : -1);
      const f = rank(i) / (n - 1) - 0.5;
      for (let j = 0; j < c.P; j++) expectedP[j]! -= (t.sign * f * c.table[t.noiseOffset + j]!) / (n * 0.1);
    }
    for (let j = 0; j < c.P; j++) assert.ok(Math.abs(gotP[j]! - expectedP[j]!) < 1e-6, `component ${j}`);
    // independent streams: the reference's noise offsets are not a repeat's
    const refOffsets = new Set(streamTasks(c.state, REFERENCE_GENERATION, 12).map((t) => t.noiseOffset));
    assert.ok(tasks.every((t) => !refOffsets.has(t.noiseOffset)));
  } finally {
    await c.close();
  }
});

test('cartpole at θ0: ρ of the reference with itself is 1, and ρ grows with N toward the prediction', async () => {
  const reference = 2000;
  const c = await cartpole(reference);
  try {
    const sizes = [20, 200, 2000];
    const { rows, referenceP, signalToNoise } = await rolloutPopulation({
      state: c.state,
      evaluate: c.evaluate,
      aggregator: c.aggregator,
      reference,
      sizes,
      repeats: 3,
    });
    // the full reference population, evaluated again (deterministic), against the reference estimate
    const refTasks = streamTasks(c.state, REFERENCE_GENERATION, reference);
    const again = estimateOf(c.state, refTasks, await c.evaluate(refTasks), reference, c.aggregator);
    assert.equal(pearson(again, referenceP), 1);
    assert.deepEqual(
      rows.map((r) => r.offspring),
      sizes,
    );
    const means = rows.map((r) => r.mean);
    assert.ok(means[0]! < means[1]! && means[1]! < means[2]!, `ρ means ${means}`);
    assert.ok(means[2]! > 0.5, `ρ at N = reference size ${means[2]}`);
    assert.ok(signalToNoise > 0);
    for (const r of rows) {
      assert.equal(r.predicted, predictedCorrelation(r.offspring, reference, signalToNoise));
      assert.ok(
        Math.abs(r.mean - r.predicted) < 0.25,
        `N ${r.offspring}: ρ ${r.mean}, predicted ${r.predicted}`,
      );
    }
  } finally {
    await c.close();
  }
});

test('an estimate with every pair tied is 0 and counts as ρ 0 (no direction), not NaN', async () => {
  const c = await cartpole(400);
  try {
    const { rows } = await rolloutPopulation({
      state: c.state,
      // the reference sees distinct returns, every repeat the same return for all offspring
      evaluate: async (tasks) =>
        Float64Array.from(tasks, (t, i) => (t.generation === REFERENCE_GENERATION ? (i * 7919) % 400 : 500)),
      aggregator: c.aggregator,
      reference: 400,
      sizes: [20, 40],
      repeats: 2,
    });
    assert.deepEqual(
      rows.map((r) => [r.zeroEstimates, r.corrs, r.mean]),
      [
        [2, [0, 0], 0],
        [2, [0, 0], 0],
      ],
    );
  } finally {
    await c.close();
  }
});

test('esgrad corr population --task cartpole writes population.json and .csv; a --task flag without --task is refused', () => {
  const out = join(tmp, 'pop');
  const r = esgrad(
    'corr',
    'population',
    '--task',
    'cartpole',
    '--hidden',
    '4',
    '--reference',
    '200',
    '--sizes',
    '40,20',
    '--repeats',
    '2',
    '--evaluator',
    'local',
    '--quiet',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  const saved = JSON.parse(readFileSync(join(out, 'population.json'), 'utf8'));
  assert.equal(saved.parameters, 30);
  assert.deepEqual(
    saved.rows.map((row: { offspring: number }) => row.offspring),
    [20, 40],
  );
  assert.equal(saved.rows[0].corrs.length, 2);
  const csv = readFileSync(join(out, 'population.csv'), 'utf8').trim().split('\n');
  assert.equal(
    csv[0],
    'offspring,corrMean,corrStd,predicted,predictedTrue,linearTheory,zeroEstimates,corr1,corr2',
  );
  assert.equal(csv.length, 3);
  assert.match(r.stdout, /^20\t/m);
  oneLineError(esgrad('corr', 'population', '--reference', '100'), /--reference: only with --task/);
  oneLineError(
    esgrad('corr', 'population', '--task', 'cartpole', '--evaluator', 'redis'),
    /^esgrad: corr population --task: --evaluator threads or local/,
  );
});

test('--policy: a policy.json holding θ0 and the identity filter measures what the default (θ0) does; another task is refused', async () => {
  const config = parseControlConfig({ task: 'cartpole', hidden: [4], evaluator: 'local', seed: 5 });
  const spec = rolloutPolicySpec({
    task: 'cartpole',
    hidden: [4],
    episodes: 1,
    maxSteps: 0,
    obsStatsFraction: 0,
  });
  const identity = identityFilter(spec.observationSize);
  const policy = join(tmp, 'policy.json');
  const saved = {
    task: 'cartpole',
    hidden: [4],
    maxSteps: 0,
    thetaP: Array.from(initPolicy(spec, 5)),
    obsMean: Array.from(identity.meanO),
    obsStd: Array.from(identity.stdO),
  };
  writeFileSync(policy, JSON.stringify(saved));
  const o = { reference: 200, sizes: [20, 100], repeats: 2 };
  const atTheta0 = await controlPopulation(config, o);
  const fromFile = await controlPopulation(config, { ...o, policy });
  assert.deepEqual(fromFile.rows, atTheta0.rows);
  assert.equal(fromFile.timesteps, atTheta0.timesteps);
  await assert.rejects(controlPopulation(config, { ...o, sizes: [7] }), /--sizes 7: .*even/);
  writeFileSync(policy, JSON.stringify({ ...saved, task: 'acrobot' }));
  await assert.rejects(
    controlPopulation(config, { ...o, policy }),
    (e) => e instanceof UsageError && /task acrobot, not cartpole/.test(e.message),
  );
});

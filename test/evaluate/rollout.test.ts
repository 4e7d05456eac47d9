// Rollouts on the evaluators: local and threads give the same rewards, θ and observation statistics bit
// for bit; a task's reward is an episode run by hand with a single env; NaN rollouts stay NaN (dropped by tell).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityFilter, normalizeInto } from '../../src/env/obs-filter.ts';
import { initPolicy, policyForward } from '../../src/env/policy.ts';
import { episodeSeed } from '../../src/env/rollout.ts';
import { taskFactory } from '../../src/env/tasks.ts';
import { candidateInto } from '../../src/es/candidates.ts';
import { ask, init } from '../../src/es/index.ts';
import { evaluationSettings } from '../../src/evaluate/evaluator.ts';
import { runNoiseTable } from '../../src/evaluate/factory.ts';
import { type RolloutSettings, rolloutPolicySpec, taskEnvSeed } from '../../src/evaluate/rollout.ts';
import { LocalRolloutEvaluator } from '../../src/evaluate/rollout-local.ts';
import { generationRecords, trainControl } from '../../src/run/control.ts';
import { controlEsSettings, parseControlConfig } from '../../src/run/control-config.ts';

const quiet = { log: () => {} };

test('trainControl: local and threads evaluators give identical rewards, θ and observation statistics', async () => {
  const base = {
    task: 'cartpole',
    iters: 3,
    population: 20,
    hidden: [8],
    obsStatsFraction: 0.5,
    evalEvery: 3,
    evalEpisodes: 2,
    seed: 5,
  };
  const local = await trainControl(parseControlConfig({ ...base, evaluator: 'local' }), quiet);
  const threads = await trainControl(
    parseControlConfig({ ...base, evaluator: 'threads', workers: 2 }),
    quiet,
  );
  assert.deepEqual(threads.thetaP, local.thetaP);
  assert.deepEqual(threads.stats, local.stats);
  const strip = (h: readonly Record<string, unknown>[]) =>
    h.map(({ seconds, timestepsPerSecond, ...m }) => m);
  assert.deepEqual(strip(threads.history), strip(local.history));
  assert.ok(local.stats.count > 1, 'some rollouts were collected');
  assert.notDeepEqual(local.thetaP, initPolicy(rolloutPolicySpec({ ...base, episodes: 1, maxSteps: 0 }), 5));
});

test('rollout evaluator: a reward is the mean return of episodes run by hand; NaN policies give NaN', async () => {
  const settings: RolloutSettings = {
    task: 'pendulum',
    hidden: [4],
    episodes: 2,
    maxSteps: 30,
    obsStatsFraction: 0,
  };
  const c = parseControlConfig({ task: 'pendulum', population: 6, sigma: 0.5, seed: 9 });
  const policy = rolloutPolicySpec(settings);
  const state = init(controlEsSettings(c), initPolicy(policy, 9));
  const P = state.thetaP.length;
  const evaluation = evaluationSettings(state.config);
  const noise = runNoiseTable(9, state.config.noiseTableSize, false);
  const ev = new LocalRolloutEvaluator(settings, noise, evaluation, P, 6);
  const filter = identityFilter(3);
  ev.setObsFilter(filter);
  const tasks = ask(state);
  const rewardsN = await ev.evaluate(state.thetaP, state.config.sigma, tasks);
  for (const t of tasks) {
    const cand = candidateInto(new Float32Array(P), state.thetaP, noise, t, state.config.sigma, undefined);
    const env = taskFactory('pendulum')({ maxEpisodeSteps: 30 });
    let total = 0;
    for (let e = 0; e < 2; e++) {
      let o = env.reset(episodeSeed(taskEnvSeed(9, t), e));
      for (let steps = 0; ; steps++) {
        const a = new Float64Array(1);
        policyForward(policy)(cand, normalizeInto(filter, o, new Float64Array(3)), a);
        const r = env.step(a);
        total += r.reward;
        o = r.observation;
        if (r.truncated) {
          assert.equal(steps, 29);
          break;
        }
      }
    }
    assert.equal(rewardsN[t.id], total / 2);
    assert.equal(ev.recordsNR[t.id * ev.recordSize + 1], 60);
  }
  assert.equal(rewardsN[0], rewardsN[0]); // finite
  const nanTheta = state.thetaP.slice().fill(NaN);
  const nan = await ev.evaluate(nanTheta, state.config.sigma, tasks);
  assert.ok(nan.every(Number.isNaN));
  await ev.close();
});

test('generationRecords: steps summed, statistics merged from collected finite rows only', () => {
  // rows [return, steps, observations counted, Σo, Σo²] for O = 1
  const recordsNR = Float64Array.of(10, 5, 5, 2, 3, NaN, 7, 7, NaN, NaN, 1, 4, 0, 0, 0, 2, 3, 3, 1.5, 0.75);
  const g = generationRecords(recordsNR, 4, 1);
  assert.equal(g.steps, 5 + 7 + 4 + 3);
  assert.deepEqual([g.stats.count, ...g.stats.sumO, ...g.stats.sumSqO], [8, 3.5, 3.75]);
});

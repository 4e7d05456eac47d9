// Tests of the OpenAI-ES strategy's mechanics: ask's tasks, tell's eq. (1) against a hand
// computation, determinism and checkpointing, skipped non-finite rewards, and input checks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EsConfigInput } from '../../src/es/config.ts';
import { ask, type EsState, init, tell } from '../../src/es/openai-es.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { aggregatorFor as agg, evaluateTasks } from './helpers.ts';

const TABLE = 50_000;
const table = createNoiseTable(11, TABLE);
const theta0 = Float32Array.from({ length: 7 }, (_, j) => 0.1 * j - 0.3);
const sphere = (x: Float64Array) => -x.reduce((s, v) => s + (v - 1) ** 2, 0); // max at x = 1

function start(over: EsConfigInput): EsState {
  return init({ population: 8, sigma: 0.1, noiseTableSize: TABLE, seed: 5, ...over }, theta0);
}

test('ask (mirrored): pairs 2k, 2k+1 share an offset with signs +1, -1; offsets in range; deterministic', () => {
  const s = start({});
  const tasks = ask(s);
  assert.equal(tasks.length, 8);
  tasks.forEach((t, id) => {
    assert.equal(t.id, id);
    assert.equal(t.generation, 0);
    assert.equal(t.sign, id % 2 === 0 ? 1 : -1);
    assert.equal(t.noiseOffset, tasks[id & ~1]!.noiseOffset);
    assert.ok(Number.isInteger(t.noiseOffset) && t.noiseOffset >= 0 && t.noiseOffset <= TABLE - 7);
    assert.equal(t.bucket, -1);
    assert.equal(t.dataSeed, -1);
  });
  assert.deepEqual(ask(start({})), tasks);
  assert.notDeepEqual(
    ask({ ...s, generation: 1 }).map((t) => t.noiseOffset),
    tasks.map((t) => t.noiseOffset),
  );
  assert.notDeepEqual(
    ask(start({ seed: 6 })).map((t) => t.noiseOffset),
    tasks.map((t) => t.noiseOffset),
  );
});

test('ask (plain): N distinct-ish offsets, all sign +1', () => {
  const tasks = ask(start({ mirrored: false, population: 5 }));
  assert.equal(tasks.length, 5);
  assert.ok(tasks.every((t) => t.sign === 1));
  assert.equal(new Set(tasks.map((t) => t.noiseOffset)).size, 5);
});

/** gradP = -(1 / (N sigma)) sum_i sign_i f_i eps_i, in float64, written out independently of tell. */
function handGrad(s: EsState, tasks: ReturnType<typeof ask>, fitness: ArrayLike<number>): Float64Array {
  const P = s.thetaP.length,
    g = new Float64Array(P);
  tasks.forEach((t, i) => {
    for (let j = 0; j < P; j++) g[j] = g[j]! + t.sign * fitness[i]! * table[t.noiseOffset + j]!;
  });
  return g.map((v) => -v / (tasks.length * s.config.sigma));
}

function assertClose(a: ArrayLike<number>, e: ArrayLike<number>, tol: number, what: string): void {
  for (let j = 0; j < e.length; j++)
    assert.ok(Math.abs(a[j]! - e[j]!) <= tol * (1 + Math.abs(e[j]!)), `${what}[${j}]: ${a[j]} vs ${e[j]}`);
}

for (const mirrored of [true, false]) {
  test(`tell (${mirrored ? 'mirrored' : 'plain'}, raw, sgd): gradP is eq. (1) of the loss, theta' = theta - lr gradP`, () => {
    const s = start({ mirrored, optimizer: 'sgd', lr: 0.05 });
    const tasks = ask(s);
    const rewards = evaluateTasks(s, tasks, table, sphere);
    const { state, gradP, metrics } = tell(s, tasks, rewards, agg(table));
    const expected = handGrad(s, tasks, rewards);
    assertClose(gradP, expected, 1e-5, 'gradP');
    assertClose(
      state.thetaP,
      theta0.map((v, j) => v - 0.05 * gradP[j]!),
      1e-7,
      'theta',
    );
    assert.equal(state.generation, 1);
    assert.equal(metrics.evaluationsUsed, 8);
    assert.equal(metrics.badRewards, 0);
    assert.equal(metrics.rewardMax, Math.max(...rewards));
    assert.ok(Math.abs(metrics.rewardMean - rewards.reduce((a, b) => a + b) / 8) < 1e-12);
    assert.ok(Math.abs(metrics.gradNorm - Math.hypot(...gradP)) < 1e-6 * metrics.gradNorm);
    assert.equal(s.thetaP[0], theta0[0]); // the old state is untouched
  });
}

test('tell (centered-ranks, l2, sgd): shaped fitness and the L2 term l2 * theta enter as specified', () => {
  const s = start({ fitness: 'centered-ranks', l2: 0.5, optimizer: 'sgd', lr: 0.1 });
  const tasks = ask(s);
  const rewards = evaluateTasks(s, tasks, table, sphere);
  // centered ranks by hand: sort, rank / 7 - 0.5 (no ties here)
  const sorted = [...rewards].sort((a, b) => a - b);
  const ranks = Array.from(rewards, (r) => sorted.indexOf(r) / 7 - 0.5);
  const { state, gradP } = tell(s, tasks, rewards, agg(table));
  assertClose(gradP, handGrad(s, tasks, ranks), 1e-5, 'gradP');
  assertClose(
    state.thetaP,
    theta0.map((v, j) => v - 0.1 * (gradP[j]! + 0.5 * v)),
    1e-6,
    'theta',
  );
});

test('same seed -> identical tasks and bit-identical state; a structuredClone checkpoint resumes identically', () => {
  const run = (s: EsState, gens: number) => {
    for (let g = 0; g < gens; g++) {
      const tasks = ask(s);
      s = tell(s, tasks, evaluateTasks(s, tasks, table, sphere), agg(table)).state;
    }
    return s;
  };
  const a = run(start({}), 6);
  const b = run(start({}), 6);
  assert.deepEqual(a, b);
  const resumed = run(structuredClone(run(start({}), 3)), 3);
  assert.deepEqual(resumed, a);
  assert.notDeepEqual(run(start({ seed: 99 }), 6).thetaP, a.thetaP);
});

test('non-finite rewards are skipped and counted (plain): same gradient as without those tasks', () => {
  const s = start({ mirrored: false, population: 8 });
  const tasks = ask(s);
  const rewards = evaluateTasks(s, tasks, table, sphere);
  rewards[1] = NaN;
  rewards[4] = Infinity;
  rewards[6] = -Infinity;
  const r = tell(s, tasks, rewards, agg(table));
  assert.equal(r.metrics.badRewards, 3);
  assert.equal(r.metrics.evaluationsUsed, 5);
  assert.ok(Number.isFinite(r.metrics.rewardMean));
  const keep = [0, 2, 3, 5, 7];
  const ref = tell(
    s,
    keep.map((i) => tasks[i]!),
    Float64Array.from(keep, (i) => rewards[i]!),
    agg(table),
  );
  assert.deepEqual(r.gradP, ref.gradP);
  assert.deepEqual(r.state, ref.state);
});

test('non-finite rewards (mirrored): the partner is dropped too; all bad -> a clear error', () => {
  const s = start({});
  const tasks = ask(s);
  const rewards = evaluateTasks(s, tasks, table, sphere);
  rewards[2] = NaN;
  const r = tell(s, tasks, rewards, agg(table));
  assert.equal(r.metrics.badRewards, 1);
  assert.equal(r.metrics.evaluationsUsed, 6);
  const keep = [0, 1, 4, 5, 6, 7];
  const ref = tell(
    s,
    keep.map((i) => tasks[i]!),
    Float64Array.from(keep, (i) => rewards[i]!),
    agg(table),
  );
  assert.deepEqual(r.gradP, ref.gradP);
  assert.throws(
    () => tell(s, tasks, new Float64Array(8).fill(NaN), agg(table)),
    /no usable reward among 8 \(8 NaN\/Inf/,
  );
  const oneOfEach = rewards.map((v, i) => (i % 2 === 0 ? v : NaN));
  assert.throws(() => tell(s, tasks, oneOfEach, agg(table)), /no mirrored pair with both rewards finite/);
});

test('tell rejects stale tasks, length mismatches and a wrong noise table', () => {
  const s = start({});
  const tasks = ask(s);
  const rewards = new Float64Array(8).fill(1);
  assert.throws(
    () => tell({ ...s, generation: 1 }, tasks, rewards, agg(table)),
    /generation 0, state is at 1/,
  );
  assert.throws(() => tell(s, tasks, new Float64Array(7), agg(table)), /8 tasks but 7 rewards/);
  assert.throws(
    () => tell(s, tasks, rewards, agg(createNoiseTable(11, 1000))),
    /noise table has 1000 floats/,
  );
});

// Classic control against independent float64 computations: one step from a state we set (equations
// written out again here, acrobot's by solving its 2x2 mass-matrix system), termination, truncation, seeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Env } from '../../src/env/env.ts';
import { VecEnv } from '../../src/env/env.ts';
import { TASKS, taskFactory } from '../../src/env/tasks.ts';

const make = (name: string, maxEpisodeSteps?: number): Env =>
  taskFactory(name)(maxEpisodeSteps === undefined ? undefined : { maxEpisodeSteps });
const set = (env: Env, physics: number[], elapsedSteps = 0): Float64Array =>
  env.setState({ physics: Float64Array.from(physics), elapsedSteps });
const act = (...a: number[]): Float64Array => Float64Array.from(a);
const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
};

test('cartpole: one step from rest pushing right, by hand (ẍ = 0.1951219…/0.02, θ̈ = −0.2926829…/0.02)', () => {
  const env = make('cartpole');
  set(env, [0, 0, 0, 0]);
  const r = env.step(act(1));
  close(r.observation, [0, 0.1951219512195122, 0, -0.2926829268292683], 1e-15);
  assert.deepEqual([r.reward, r.terminated, r.truncated], [1, false, false]);
});

test('cartpole: a step from a moving state matches the written-out equations', () => {
  const env = make('cartpole');
  const [x, v, th, w] = [0.3, -0.7, 0.12, 1.1];
  set(env, [x, v, th, w]);
  const r = env.step(act(0));
  const F = -10,
    mt = 1.1,
    ml = 0.05;
  const temp = (F + ml * w * w * Math.sin(th)) / mt;
  const thAcc = (9.8 * Math.sin(th) - Math.cos(th) * temp) / (0.5 * (4 / 3 - (0.1 * Math.cos(th) ** 2) / mt));
  const xAcc = temp - (ml * thAcc * Math.cos(th)) / mt;
  close(r.observation, [x + 0.02 * v, v + 0.02 * xAcc, th + 0.02 * w, w + 0.02 * thAcc]);
});

test('cartpole: terminates past 12° and past 2.4 with reward 1 on that step; then step is an error', () => {
  const env = make('cartpole');
  set(env, [0, 0, 0.2094, 1]); // θ + 0.02 > 12° = 0.20944
  const r = env.step(act(1));
  assert.deepEqual([r.reward, r.terminated, r.truncated], [1, true, false]);
  assert.throws(() => env.step(act(1)));
  set(env, [2.39, 1, 0, 0]);
  assert.equal(env.step(act(1)).terminated, true);
  set(env, [0, 0, 0, 0]);
  assert.throws(() => env.step(act(2)), /not an integer in \[0, 2\)/);
});

test('cartpole: a balancing controller is truncated at exactly 500 steps (CartPole-v1)', () => {
  const env = make('cartpole');
  let o = env.reset(7);
  let steps = 0,
    total = 0;
  for (;;) {
    const r = env.step(act(3 * o[2]! + o[3]! > 0 ? 1 : 0));
    steps++;
    total += r.reward;
    o = r.observation;
    if (r.terminated || r.truncated) {
      assert.deepEqual([r.terminated, r.truncated], [false, true]);
      break;
    }
  }
  assert.deepEqual([steps, total], [500, 500]);
});

/** Acrobot's θ̈ by solving M(q)q̈ = τ − h(q, q̇) with Cramer's rule (the book equations' matrix form). */
function acrobotDeriv(s: number[], tau: number): number[] {
  const [t1, t2, w1, w2] = s as [number, number, number, number];
  const g = 9.8;
  const m11 = 0.25 + (1 + 0.25 + 2 * 0.5 * Math.cos(t2)) + 2; // m1 lc1² + m2(l1² + lc2² + 2 l1 lc2 cos) + I1 + I2
  const m12 = 0.25 + 0.5 * Math.cos(t2) + 1;
  const m22 = 0.25 + 1;
  const phi2 = 0.5 * g * Math.cos(t1 + t2 - Math.PI / 2);
  const phi1 =
    -0.5 * w2 * w2 * Math.sin(t2) - w2 * w1 * Math.sin(t2) + 1.5 * g * Math.cos(t1 - Math.PI / 2) + phi2;
  const b1 = -phi1;
  const b2 = tau - 0.5 * w1 * w1 * Math.sin(t2) - phi2;
  const det = m11 * m22 - m12 * m12;
  return [w1, w2, (b1 * m22 - m12 * b2) / det, (m11 * b2 - m12 * b1) / det];
}

test('acrobot: one RK4 step of 0.2 s from a set state matches an independent RK4 on the matrix form', () => {
  const env = make('acrobot');
  const s0 = [0.4, -1.3, 1.5, -2.5];
  set(env, s0);
  const r = env.step(act(2)); // torque +1
  const h = 0.2;
  const add = (a: number[], b: number[], c: number) => a.map((v, i) => v + c * b[i]!);
  const k1 = acrobotDeriv(s0, 1);
  const k2 = acrobotDeriv(add(s0, k1, h / 2), 1);
  const k3 = acrobotDeriv(add(s0, k2, h / 2), 1);
  const k4 = acrobotDeriv(add(s0, k3, h), 1);
  const s1 = s0.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
  const st = env.getState().physics;
  close(st, s1, 1e-12);
  close(
    r.observation,
    [Math.cos(s1[0]!), Math.sin(s1[0]!), Math.cos(s1[1]!), Math.sin(s1[1]!), s1[2]!, s1[3]!],
    1e-12,
  );
  assert.deepEqual([r.reward, r.terminated], [-1, false]);
});

test('acrobot: angles wrapped into [-π, π], velocities clipped to 4π and 9π, reward 0 when the tip is up', () => {
  const env = make('acrobot');
  set(env, [3.1, 3.0, 12, -28]); // θ1 near π with the elbow folded back: not terminal
  env.step(act(1));
  const [t1, , w1, w2] = env.getState().physics;
  assert.ok(t1! >= -Math.PI && t1! <= Math.PI, `θ1 ${t1}`);
  assert.ok(Math.abs(w1!) <= 4 * Math.PI && Math.abs(w2!) <= 9 * Math.PI);
  set(env, [2.0, 0, 3, 0]); // tip at height 0.83, swinging up: above 1 after the step
  assert.equal(env.getState().elapsedSteps, 0);
  const r = env.step(act(1));
  assert.deepEqual([r.reward, r.terminated, r.truncated], [0, true, false]);
});

test('pendulum: a step matches the equations, cost from the old state and the clipped torque', () => {
  const env = make('pendulum');
  const [th, w] = [2.5, -3];
  set(env, [th, w]);
  const r = env.step(act(5)); // clipped to 2
  const thn = ((th + Math.PI) % (2 * Math.PI)) - Math.PI;
  const cost = thn * thn + 0.1 * w * w + 0.001 * 4;
  const w1 = Math.max(-8, Math.min(8, w + (15 * Math.sin(th) + 3 * 2) * 0.05));
  const th1 = th + w1 * 0.05;
  close(r.observation, [Math.cos(th1), Math.sin(th1), w1]);
  assert.ok(Math.abs(r.reward + cost) < 1e-12);
  set(env, [-4, 0]); // angle -4 normalises to 2π − 4
  assert.ok(Math.abs(env.step(act(0)).reward + (2 * Math.PI - 4) ** 2) < 1e-12);
  set(env, [0, 7.9]);
  assert.equal(env.step(act(2)).observation[2], 8);
});

test('pendulum: never terminates, truncated at 200; --max-steps style limit overrides it', () => {
  for (const [env, limit] of [
    [make('pendulum'), 200],
    [make('pendulum', 17), 17],
  ] as const) {
    env.reset(1);
    for (let t = 1; t <= limit; t++) {
      const r = env.step(act(0.5));
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, t === limit);
    }
  }
});

test('mountain-car-continuous: a step by the equations, the left wall, the goal bonus with the raw action', () => {
  const env = make('mountain-car-continuous');
  set(env, [-0.5, 0.01]);
  let r = env.step(act(0.6));
  const v = 0.01 + 0.6 * 0.0015 - 0.0025 * Math.cos(-1.5);
  close(r.observation, [-0.5 + v, v]);
  assert.ok(Math.abs(r.reward + 0.1 * 0.36) < 1e-15);
  set(env, [-1.19, -0.06]);
  r = env.step(act(-1));
  assert.deepEqual([...r.observation], [-1.2, 0]);
  set(env, [0.44, 0.02]);
  r = env.step(act(3)); // force clipped to 1, penalty 0.1·3² from the raw action
  assert.equal(r.terminated, true);
  assert.ok(Math.abs(r.reward - (100 - 0.9)) < 1e-12);
  assert.equal(make('mountain-car-continuous').spec.maxEpisodeSteps, 999);
});

test("reset: the initial state is a pure function of the seed, inside Gymnasium's ranges", () => {
  const ranges: Record<string, [number, number][]> = {
    cartpole: Array(4).fill([-0.05, 0.05]),
    acrobot: Array(4).fill([-0.1, 0.1]),
    pendulum: [
      [-Math.PI, Math.PI],
      [-1, 1],
    ],
    'mountain-car-continuous': [
      [-0.6, -0.4],
      [0, 0],
    ],
  };
  for (const name of Object.keys(TASKS)) {
    const a = make(name),
      b = make(name);
    assert.deepEqual(a.reset(42), b.reset(42));
    assert.notDeepEqual(a.reset(42), a.reset(43));
    for (let seed = 0; seed < 200; seed++) {
      a.reset(seed);
      const s = a.getState().physics;
      for (const [i, [lo, hi]] of ranges[name]!.entries())
        assert.ok(s[i]! >= lo && s[i]! <= hi, `${name} seed ${seed} [${i}] ${s[i]}`);
    }
  }
  assert.throws(() => taskFactory('cartpol'), /not a task; known: cartpole/);
});

test('VecEnv: K copies step like K single envs; a finished copy keeps its row and gets reward 0', () => {
  const vec = new VecEnv(taskFactory('cartpole'), 3);
  const singles = [0, 1, 2].map(() => make('cartpole'));
  const seeds = [5, 6, 7];
  const obs = vec.reset(seeds);
  for (const [k, e] of singles.entries()) close(obs.subarray(k * 4, k * 4 + 4), e.reset(seeds[k]!), 0);
  const done = [false, false, false];
  for (let t = 0; t < 60; t++) {
    const actions = Float64Array.from([1, t % 2, 0]); // copy 0 and 2 fall over quickly
    const before = vec.observationsKO.slice();
    const running = vec.step(actions);
    singles.forEach((e, k) => {
      if (done[k]) {
        assert.equal(vec.rewardsK[k], 0);
        close(vec.observationsKO.subarray(k * 4, k * 4 + 4), before.subarray(k * 4, k * 4 + 4), 0);
        return;
      }
      const r = e.step(actions.subarray(k, k + 1));
      close(vec.observationsKO.subarray(k * 4, k * 4 + 4), r.observation, 0);
      assert.equal(vec.rewardsK[k], r.reward);
      done[k] = r.terminated || r.truncated;
    });
    assert.equal(running, done.includes(false));
  }
  assert.deepEqual([...vec.doneK], [1, 0, 1]);
});

// The MuJoCo tasks: the built-in planar hopper against a second MjData stepped by hand through the raw
// mujoco-js API (bit for bit), its reward and termination against their formulas, state round trips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MjData, MjModel } from 'mujoco-js';
import type { Env } from '../../src/env/env.ts';
import { VecEnv } from '../../src/env/env.ts';
import { PLANAR_HOPPER, PLANAR_HOPPER_MJCF } from '../../src/env/mujoco/planar-hopper.ts';
import { mujocoTaskFactory } from '../../src/env/mujoco/tasks.ts';
import { compileMjcf, loadMujoco, type Mujoco } from '../../src/env/mujoco/wasm.ts';
import { prepareTask, TASK_NAMES, taskFactory } from '../../src/env/tasks.ts';

const mj: Mujoco = await loadMujoco();
const hopper = await mujocoTaskFactory('planar-hopper');
// the hopper's layout: qpos = [root_x, root_z, root_pitch, hip, knee, ankle], qvel the same 6 dofs
const NQ = 6;
const NV = 6;
const DT = 0.002 * 4;

/** A second simulation of the hopper, driven only through mujoco-js (no esgrad code but the compile). */
class RawHopper {
  readonly model: MjModel = compileMjcf(mj, PLANAR_HOPPER_MJCF, 'test');
  readonly data: MjData = new mj.MjData(this.model);
  /** Writes [time, qpos, qvel, act, qacc_warmstart] field by field. */
  set(stateS: Float64Array): void {
    this.data.time = stateS[0]!;
    (this.data.qpos as Float64Array).set(stateS.subarray(1, 1 + NQ));
    (this.data.qvel as Float64Array).set(stateS.subarray(1 + NQ, 1 + NQ + NV));
    (this.data.qacc_warmstart as Float64Array).set(stateS.subarray(1 + NQ + NV, 1 + NQ + 2 * NV));
  }
  step(ctrl: readonly number[]): void {
    (this.data.ctrl as Float64Array).set(ctrl);
    for (let s = 0; s < 4; s++) mj.mj_step(this.model, this.data);
  }
  get qpos(): Float64Array {
    return (this.data.qpos as Float64Array).slice();
  }
  get qvel(): Float64Array {
    return (this.data.qvel as Float64Array).slice();
  }
  close(): void {
    this.data.delete();
    this.model.delete();
  }
}

const qposOf = (env: Env): Float64Array => env.getState().physics.slice(1, 1 + NQ);
const qvelOf = (env: Env): Float64Array => env.getState().physics.slice(1 + NQ, 1 + NQ + NV);

/** An env after `n` steps of a fixed gait from reset(seed). */
function walked(seed: number, n: number): Env {
  const env = hopper();
  env.reset(seed);
  for (let t = 0; t < n; t++) env.step(Float64Array.of(0.3 * Math.sin(t / 3), -0.2, 0.1 * Math.cos(t / 2)));
  return env;
}

test('planar-hopper: spaces, limits, and a seeded reset near qpos0 = 0', () => {
  const env = hopper();
  assert.equal(env.spec.name, 'planar-hopper');
  assert.equal(env.spec.observationSize, NQ - 1 + NV);
  assert.equal(env.spec.maxEpisodeSteps, 1000);
  assert.deepEqual(env.spec.actionSpace, {
    kind: 'continuous',
    lowA: Float64Array.of(-1, -1, -1),
    highA: Float64Array.of(1, 1, 1),
  });
  const o = env.reset(7);
  const s = env.getState().physics;
  assert.equal(s.length, 1 + NQ + 2 * NV);
  assert.equal(s[0], 0);
  for (const v of s.subarray(1, 1 + NQ + NV)) assert.ok(Math.abs(v) <= 0.005 && v !== 0);
  // observation: qpos without root_x, then qvel
  assert.deepEqual(o, Float64Array.of(...s.subarray(2, 1 + NQ), ...s.subarray(1 + NQ, 1 + NQ + NV)));
  assert.deepEqual(env.reset(7), o);
  assert.notDeepEqual(env.reset(8), o);
  env.close();
  env.close();
});

test('planar-hopper: a step matches a second MjData set to the same state and stepped by hand, bit for bit', () => {
  const env = walked(3, 25);
  const raw = new RawHopper();
  try {
    for (const action of [Float64Array.of(0.5, -0.25, 0.75), Float64Array.of(1.7, -3, 0.2)]) {
      raw.set(env.getState().physics);
      env.step(action);
      raw.step([Math.min(1, action[0]!), Math.max(-1, action[1]!), action[2]!]);
      assert.deepEqual(qposOf(env), raw.qpos);
      assert.deepEqual(qvelOf(env), raw.qvel);
      assert.equal(env.getState().physics[0], raw.data.time);
    }
    assert.ok(Math.abs(raw.qpos[0]!) > 1e-3, 'the hopper moved');
  } finally {
    raw.close();
    env.close();
  }
});

test('planar-hopper: reward = Δroot_x / dt + 1 − 0.001 Σ clip(a)², from the positions before and after', () => {
  const env = walked(5, 30);
  for (const action of [Float64Array.of(0.4, 0.9, -0.6), Float64Array.of(2, -1.5, 0)]) {
    const xBefore = qposOf(env)[0]!;
    const r = env.step(action);
    const xAfter = qposOf(env)[0]!;
    const clipped = Array.from(action, (a) => Math.min(1, Math.max(-1, a)));
    const expected = (xAfter - xBefore) / DT + 1 - 0.001 * clipped.reduce((s, a) => s + a * a, 0);
    assert.ok(Math.abs(r.reward - expected) < 1e-9, `${r.reward} vs ${expected}`);
    assert.ok(Math.abs(xAfter - xBefore) > 1e-5);
  }
  env.close();
});

test('planar-hopper: terminated once the torso pitches past 0.25 rad or drops to 0.7 m; truncated at the limit', () => {
  const env = hopper();
  env.reset(1);
  const base = env.getState();
  const withState = (edit: (qpos: Float64Array, qvel: Float64Array) => void) => {
    const physics = base.physics.slice();
    edit(physics.subarray(1, 1 + NQ), physics.subarray(1 + NQ, 1 + NQ + NV));
    return { physics, elapsedSteps: 0 };
  };
  // pitch 0.24 rotating forward at 5 rad/s crosses 0.25 within one 8 ms step; at -5 rad/s it does not
  env.setState(
    withState((q, v) => {
      q[2] = 0.24;
      v[2] = 5;
    }),
  );
  let r = env.step(new Float64Array(3));
  assert.ok(qposOf(env)[2]! >= 0.25);
  assert.equal(r.terminated, true);
  env.setState(
    withState((q, v) => {
      q[2] = 0.24;
      v[2] = -5;
    }),
  );
  assert.equal(env.step(new Float64Array(3)).terminated, false);
  // torso centre at 1.15 + root_z: falling at 3 m/s from 0.705 m (leg held out forward, clear of the
  // floor) ends the episode
  env.setState(
    withState((q, v) => {
      q[1] = 0.705 - 1.15;
      q[3] = -Math.PI / 2;
      v[1] = -3;
    }),
  );
  r = env.step(new Float64Array(3));
  assert.ok(1.15 + qposOf(env)[1]! <= 0.7);
  assert.equal(r.terminated, true);
  env.setState(
    withState((q, v) => {
      q[1] = 0.75 - 1.15;
      q[3] = -Math.PI / 2;
      v[1] = -3;
    }),
  );
  assert.equal(env.step(new Float64Array(3)).terminated, false);
  // an unhealthy state set directly is already over
  env.setState(
    withState((q) => {
      q[2] = -0.3;
    }),
  );
  assert.throws(() => env.step(new Float64Array(3)), /after the episode ended/);
  env.close();

  const short = hopper({ maxEpisodeSteps: 3 });
  short.reset(2);
  const flags = [1, 2, 3].map(() => short.step(new Float64Array(3)).truncated);
  assert.deepEqual(flags, [false, false, true]);
  short.close();
});

test('planar-hopper: getState/setState round trip into a fresh env, which then steps identically', () => {
  const a = walked(9, 40);
  const state = a.getState();
  const b = hopper();
  const o = b.setState(state);
  assert.deepEqual(b.getState(), state);
  assert.equal(state.elapsedSteps, 40);
  const oa = a.setState(state);
  assert.deepEqual(o, oa);
  for (let t = 0; t < 10; t++) {
    const action = Float64Array.of(Math.sin(t), Math.cos(t), 0.5);
    const ra = a.step(action);
    const rb = b.step(action);
    assert.deepEqual(rb, ra);
  }
  assert.deepEqual(b.getState(), a.getState());
  a.close();
  b.close();
});

test('planar-hopper: VecEnv of 3 copies matches the same seeds run one by one', () => {
  const vec = new VecEnv(hopper, 3);
  const seeds = [11, 12, 13];
  vec.reset(seeds);
  const actions = Float64Array.from({ length: 9 }, (_, i) => Math.sin(i));
  const singles = seeds.map((s) => {
    const e = hopper();
    e.reset(s);
    return e;
  });
  for (let t = 0; t < 5; t++) {
    vec.step(actions);
    singles.forEach((e, k) => {
      const r = e.step(actions.subarray(3 * k, 3 * k + 3));
      assert.deepEqual(vec.observationsKO.subarray(k * 11, k * 11 + 11), r.observation);
      assert.equal(vec.rewardsK[k], r.reward);
    });
  }
  vec.close();
  for (const e of singles) e.close();
  assert.equal(PLANAR_HOPPER.frameSkip * 0.002, DT);
});

test('planar-hopper through the task registry (esgrad train --task): prepareTask, then taskFactory', async () => {
  assert.ok(TASK_NAMES.includes('planar-hopper'));
  await prepareTask('planar-hopper');
  const a = taskFactory('planar-hopper')({ maxEpisodeSteps: 5 });
  const b = hopper({ maxEpisodeSteps: 5 });
  assert.deepEqual(a.reset(3), b.reset(3));
  assert.deepEqual(a.step(Float64Array.of(0.1, 0.2, 0.3)), b.step(Float64Array.of(0.1, 0.2, 0.3)));
  assert.equal(a.spec.maxEpisodeSteps, 5);
  a.close();
  b.close();
});

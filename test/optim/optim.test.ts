// Tests of the optimizers against hand-computed float64 values: sgd, TF-style adam, weight decay,
// chain, applyUpdates, the config and that optimizer state is plain, clonable data.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adam,
  addWeightDecay,
  applyUpdates,
  chain,
  createOptimizer,
  optimizerConfigSchema,
  parseOrUsageError,
  sgd,
} from '../../src/optim/index.ts';
import { UsageError } from '../../src/types.ts';

const f32 = (xs: number[]) => Float32Array.from(xs);

function assertClose(actual: ArrayLike<number>, expected: number[], relTol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    assert.ok(
      Math.abs(a - e) <= relTol * Math.max(Math.abs(e), 1e-12),
      `${what}[${i}]: got ${a}, expected ${e}`,
    );
  }
}

test('sgd: updates = -lr * grad, state counts steps', () => {
  const opt = sgd(0.1);
  const params = f32([0.5, 0.5]);
  let state = opt.init(params);
  assert.deepEqual(state, { count: 0 });
  const r1 = opt.update(f32([1, -2]), state, params);
  assertClose(r1.updatesP, [-0.1, 0.2], 1e-7, 'step 1');
  state = r1.state;
  const r2 = opt.update(f32([0.25, 0]), state, params);
  assertClose(r2.updatesP, [-0.025, 0], 1e-7, 'step 2');
  assert.equal(r2.state.count, 2);
});

test('adam: three steps match the TensorFlow formulation computed by hand (lr 0.1, TF defaults)', () => {
  const lr = 0.1,
    b1 = 0.9,
    b2 = 0.999,
    eps = 1e-8;
  const grads = [
    [1, -2, 0],
    [0.5, 1, 0],
    [-1, 0, 3],
  ];
  const opt = adam(lr);
  const params = f32([0, 0, 0]);
  let state = opt.init(params);
  // by hand, per component: m_t = b1 m + (1-b1) g; v_t = b2 v + (1-b2) g^2;
  // lr_t = lr sqrt(1 - b2^t) / (1 - b1^t); update = -lr_t m_t / (sqrt(v_t) + eps)
  let m = [0, 0, 0],
    v = [0, 0, 0];
  for (let t = 1; t <= 3; t++) {
    const g = grads[t - 1]!;
    m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
    v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! * g[i]!);
    const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    const expected = m.map((mi, i) => (-lrT * mi) / (Math.sqrt(v[i]!) + eps));
    const r = opt.update(f32(g), state, params);
    assertClose(r.updatesP, expected, 1e-6, `step ${t}`);
    state = r.state;
  }
  assert.equal(state.count, 3);
  // the same numbers written out (python float64): step 3 = [-0.011078304795530826, 0.0205879274443318, -0.06388135320616568]
  assertClose(
    opt.update(f32([0, 0, 0]), state, params).state.muP,
    [0.9 * m[0]!, 0.9 * m[1]!, 0.9 * m[2]!],
    1e-6,
    'decay of m',
  );
});

test('adam: eps is added to sqrt(v) without bias correction (TF), not to sqrt(v_hat) (optax)', () => {
  // large eps makes the two formulations differ: t = 1, g = 1, b1 = 0.5, b2 = 0.9, eps = 0.1, lr = 0.1
  // TF: m = 0.5, v = 0.1, lr_1 = 0.1 * sqrt(0.1) / 0.5; update = -lr_1 * 0.5 / (sqrt(0.1) + 0.1)
  const tf = (-((0.1 * Math.sqrt(0.1)) / 0.5) * 0.5) / (Math.sqrt(0.1) + 0.1); // -0.0759746926647958
  // optax: m_hat = 1, v_hat = 1, update = -0.1 * 1 / (1 + 0.1) = -0.0909...
  const opt = adam(0.1, { b1: 0.5, b2: 0.9, eps: 0.1 });
  const r = opt.update(f32([1]), opt.init(f32([0])), f32([0]));
  assertClose(r.updatesP, [tf], 1e-6, 'TF update');
  assert.ok(Math.abs(r.updatesP[0]! - -0.1 / 1.1) > 0.01);
});

test('addWeightDecay adds l2 * params (gradient of 0.5 * l2 * |theta|^2); chain feeds it to sgd', () => {
  const params = f32([2, -4]);
  const wd = addWeightDecay(0.5);
  assertClose(
    wd.update(f32([1, 1]), wd.init(params), params).updatesP,
    [1 + 0.5 * 2, 1 + 0.5 * -4],
    1e-7,
    'decayed grad',
  );
  // numerical check of the penalty's gradient: d/dtheta 0.5 * 0.5 * theta^2 at theta = 2 is 1
  const pen = (x: number) => 0.5 * 0.5 * x * x;
  assert.ok(Math.abs((pen(2 + 1e-6) - pen(2 - 1e-6)) / 2e-6 - 1) < 1e-6);
  const opt = chain(addWeightDecay(0.5), sgd(0.1));
  const s0 = opt.init(params);
  assert.deepEqual(s0, [{}, { count: 0 }]);
  const r = opt.update(f32([1, 1]), s0, params);
  assertClose(r.updatesP, [-0.1 * 2, -0.1 * -1], 1e-7, 'chained');
  assert.deepEqual(r.state, [{}, { count: 1 }]);
});

test('applyUpdates returns a new array and leaves its inputs alone', () => {
  const params = f32([1, 2, 3]);
  const updates = f32([0.5, -1, 0]);
  const out = applyUpdates(params, updates);
  assert.deepEqual([...out], [1.5, 1, 3]);
  assert.deepEqual([...params], [1, 2, 3]);
  assert.notEqual(out, params);
  assert.throws(() => applyUpdates(params, f32([1])), RangeError);
});

test('update does not mutate the state it is given', () => {
  const opt = adam(0.01);
  const params = f32([1, 2]);
  const s0 = opt.init(params);
  const s1 = opt.update(f32([1, 1]), s0, params).state;
  assert.deepEqual([...s0.muP, ...s0.nuP, s0.count], [0, 0, 0, 0, 0]);
  assert.notEqual(s1.muP, s0.muP);
});

test('createOptimizer state is plain data: a structuredClone checkpoint continues bit-identically', () => {
  const config = optimizerConfigSchema.parse({ name: 'adam', lr: 0.01 });
  const opt = createOptimizer(config, 0.0002);
  const params = f32([0.3, -0.7, 1.1]);
  let state = opt.init(params);
  state = opt.update(f32([0.1, 0.2, -0.3]), state, params).state;
  const restored = structuredClone(state); // throws on functions or class instances with methods
  const a = opt.update(f32([1, -1, 0.5]), state, params);
  const b = opt.update(f32([1, -1, 0.5]), restored, params);
  assert.deepEqual(a.updatesP, b.updatesP);
  assert.deepEqual(a.state, b.state);
});

test('optimizer config: defaults, and bad values become one-line UsageErrors naming field and value', () => {
  assert.deepEqual(parseOrUsageError(optimizerConfigSchema, { name: 'adam' }, 'optimizer'), {
    name: 'adam',
    lr: 0.001,
    b1: 0.9,
    b2: 0.999,
    eps: 1e-8,
  });
  assert.deepEqual(parseOrUsageError(optimizerConfigSchema, { name: 'sgd', lr: 0.5 }, 'optimizer'), {
    name: 'sgd',
    lr: 0.5,
  });
  assert.throws(
    () => parseOrUsageError(optimizerConfigSchema, { name: 'adam', lr: -1 }, 'optimizer'),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /^optimizer\.lr: got -1; .*>0/);
      assert.ok(!e.message.includes('\n'));
      return true;
    },
  );
  assert.throws(
    () => parseOrUsageError(optimizerConfigSchema, { name: 'rmsprop' }, 'optimizer'),
    /optimizer\.name: got "rmsprop"; .*adam.*sgd/,
  );
  assert.throws(
    () => parseOrUsageError(optimizerConfigSchema, { name: 'sgd', momentum: 0.9 }, 'optimizer'),
    /optimizer: unknown field\(s\) "momentum"/,
  );
});

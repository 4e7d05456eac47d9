// Tests of the fused optimizer step: bit-identical to chain(addWeightDecay, adam | sgd).update +
// applyUpdates (pure and in place), close to a float64 reference of Adam, and inputs left untouched.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyUpdates,
  createOptimizer,
  type OptimizerConfig,
  type PlainState,
} from '../../src/optim/index.ts';
import { BLOCK } from '../../src/optim/wasm-adam.ts';
import type { Vec } from '../../src/types.ts';

/** A size below the WebAssembly kernel's block and one spanning three blocks, neither a multiple of 4. */
const SIZES = [1031, 2 * BLOCK + 1031];
const STEPS = 6;

/** Deterministic values spanning signs, magnitudes, zeros of both signs and a subnormal. */
function randomVec(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const u = x / 2 ** 32 - 0.5;
    out[i] = u * scale * 10 ** ((x % 7) - 3);
  }
  out[0] = 0;
  out[1] = -0;
  out[2] = 1e-40;
  out[3] = -3e4;
  return out;
}

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = bits(actual),
    e = bits(expected);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (bits differ)`);
  }
}

/** The moments of [decayState, {count, muP?, nuP?}], as plain arrays to compare. */
function innerState(s: PlainState): { count: number; muP?: Float32Array; nuP?: Float32Array } {
  return (s as readonly PlainState[])[1] as { count: number; muP?: Float32Array; nuP?: Float32Array };
}

function assertSameState(actual: PlainState, expected: PlainState, what: string): void {
  const a = innerState(actual),
    e = innerState(expected);
  assert.deepEqual((actual as readonly PlainState[])[0], (expected as readonly PlainState[])[0]);
  assert.equal(a.count, e.count, `${what}: count`);
  assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${what}: keys`);
  if (e.muP) assertSameBits(a.muP!, e.muP, `${what} m`);
  if (e.nuP) assertSameBits(a.nuP!, e.nuP, `${what} v`);
}

const CONFIGS: readonly OptimizerConfig[] = [
  { name: 'adam', lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-8 },
  { name: 'adam', lr: 0.3, b1: 0.5, b2: 0.9, eps: 1e-3 },
  { name: 'sgd', lr: 0.01 },
];

for (const config of CONFIGS) {
  for (const [l2, P] of [0, 2e-4, 0.5].flatMap((l2) => SIZES.map((P) => [l2, P] as const))) {
    test(`step = update + applyUpdates bit for bit: ${JSON.stringify(config)}, l2 ${l2}, ${P} params`, () => {
      const opt = createOptimizer(config, l2);
      const theta0 = randomVec(P, 7, 1);
      let thetaOld: Vec = theta0.slice(),
        stateOld = opt.init(thetaOld);
      let thetaPure: Vec = theta0.slice(),
        statePure = opt.init(thetaPure);
      const thetaInPlace = theta0.slice();
      let stateInPlace = structuredClone(opt.init(thetaInPlace));
      for (let t = 0; t < STEPS; t++) {
        const gradP = randomVec(P, 100 + t, t === 3 ? 1e3 : 1);
        const r = opt.update(gradP, stateOld, thetaOld);
        thetaOld = applyUpdates(thetaOld, r.updatesP);
        stateOld = r.state;

        const thetaBefore = thetaPure.slice(),
          stateBefore = structuredClone(statePure);
        const pure = opt.step(gradP, statePure, thetaPure);
        assertSameBits(thetaPure, thetaBefore, `pure step ${t} left θ`);
        assertSameState(statePure, stateBefore, `pure step ${t} left the state`);
        thetaPure = pure.thetaP;
        statePure = pure.state;

        const inPlace = opt.step(gradP, stateInPlace, thetaInPlace, { state: true, thetaP: thetaInPlace });
        assert.equal(inPlace.thetaP, thetaInPlace, 'in place: θ written where asked');
        if (config.name === 'adam') {
          assert.equal(innerState(inPlace.state).muP, innerState(stateInPlace).muP, 'in place: m reused');
        }
        stateInPlace = inPlace.state;

        assertSameBits(thetaPure, thetaOld, `pure θ after step ${t + 1}`);
        assertSameState(statePure, stateOld, `pure state after step ${t + 1}`);
        assertSameBits(thetaInPlace, thetaOld, `in-place θ after step ${t + 1}`);
        assertSameState(stateInPlace, stateOld, `in-place state after step ${t + 1}`);
      }
      assert.deepEqual(structuredClone(statePure), stateOld, 'state is the same plain data');
    });
  }
}

test('fused Adam with L2 follows a float64 reference of the equations', () => {
  const lr = 0.01,
    b1 = 0.9,
    b2 = 0.999,
    eps = 1e-8,
    l2 = 0.01;
  const opt = createOptimizer({ name: 'adam', lr, b1, b2, eps }, l2);
  const n = 257;
  let thetaP: Vec = randomVec(n, 3, 1).map((x) => x + 0.5);
  let state = opt.init(thetaP);
  const theta = Array.from(thetaP),
    m = new Array<number>(n).fill(0),
    v = new Array<number>(n).fill(0);
  for (let t = 1; t <= 5; t++) {
    const gradP = Float32Array.from({ length: n }, (_, i) => Math.sin(i * t + 1));
    const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < n; i++) {
      const g = gradP[i]! + l2 * theta[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      theta[i] = theta[i]! - (lrT * m[i]!) / (Math.sqrt(v[i]!) + eps);
    }
    ({ thetaP, state } = opt.step(gradP, state, thetaP));
  }
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(thetaP[i]! - theta[i]!) <= 1e-5 * Math.max(1, Math.abs(theta[i]!)), `θ[${i}]`);
    assert.ok(Math.abs(innerState(state).muP![i]! - m[i]!) <= 1e-5 * Math.abs(m[i]!) + 1e-6, `m[${i}]`);
  }
  assert.equal(innerState(state).count, 5);
});

test('step rejects mismatched lengths and a state that is not the chain pair', () => {
  const opt = createOptimizer({ name: 'adam', lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-8 });
  const thetaP = new Float32Array(4);
  const state = opt.init(thetaP);
  assert.throws(() => opt.step(new Float32Array(3), state, thetaP), RangeError);
  assert.throws(() => opt.step(new Float32Array(4), innerState(state) as PlainState, thetaP), RangeError);
  assert.throws(
    () => opt.step(new Float32Array(4), state, thetaP, { thetaP: new Float32Array(5) }),
    RangeError,
  );
});

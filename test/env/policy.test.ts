// The MLP policy against a float64 reference written out here, its parameter layout and init, and the
// observation filter (the starter's RunningStat) against direct means and variances.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyObsStats, mergeObsStats, normalizeInto, obsFilter } from '../../src/env/obs-filter.ts';
import { initPolicy, type PolicySpec, policyForward, policyParamCount } from '../../src/env/policy.ts';

const discrete: PolicySpec = { observationSize: 3, hidden: [4, 2], actionSpace: { kind: 'discrete', n: 3 } };
const box: PolicySpec = {
  observationSize: 2,
  hidden: [3],
  actionSpace: { kind: 'continuous', lowA: Float64Array.of(-2, -1), highA: Float64Array.of(2, 1) },
};

/** y = W2 tanh(W1 x + b1) + b2 ... with W row-major (out × in), reading θ in layer order. */
function reference(spec: PolicySpec, theta: Float32Array, x: number[]): number[] {
  const sizes = [
    spec.observationSize,
    ...spec.hidden,
    spec.actionSpace.kind === 'discrete' ? spec.actionSpace.n : 2,
  ];
  let at = 0;
  let h = x;
  for (let l = 1; l < sizes.length; l++) {
    const W = Array.from({ length: sizes[l]! }, (_, o) =>
      Array.from({ length: sizes[l - 1]! }, (_, i) => theta[at + o * sizes[l - 1]! + i]!),
    );
    at += sizes[l]! * sizes[l - 1]!;
    const b = Array.from({ length: sizes[l]! }, (_, o) => theta[at + o]!);
    at += sizes[l]!;
    const z = W.map((row, o) => row.reduce((s, w, i) => s + w * h[i]!, b[o]!));
    h = l === sizes.length - 1 ? z : z.map(Math.tanh);
  }
  return h;
}

const randomTheta = (n: number, seed: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 1.5);

test('policy: parameter count and forward match a written-out MLP (argmax; clipped box)', () => {
  assert.equal(policyParamCount(discrete), 4 * 3 + 4 + 2 * 4 + 2 + 3 * 2 + 3);
  assert.equal(policyParamCount(box), 3 * 2 + 3 + 2 * 3 + 2);
  for (let s = 0; s < 20; s++) {
    const th = randomTheta(policyParamCount(discrete), s);
    const x = [Math.cos(s), s / 7 - 1, 0.3 * s - 2];
    const ref = reference(discrete, th, x);
    const a = new Float64Array(1);
    policyForward(discrete)(th, Float64Array.from(x), a);
    assert.equal(a[0], ref.indexOf(Math.max(...ref)));
    const tb = randomTheta(policyParamCount(box), s + 100);
    const refB = reference(box, tb, x.slice(0, 2));
    const ab = new Float64Array(2);
    policyForward(box)(tb, Float64Array.from(x.slice(0, 2)), ab);
    assert.ok(Math.abs(ab[0]! - Math.min(2, Math.max(-2, refB[0]!))) < 1e-12);
    assert.ok(Math.abs(ab[1]! - Math.min(1, Math.max(-1, refB[1]!))) < 1e-12);
  }
});

test('policy init: normc rows of norm 1 (hidden) and 0.01 (output), zero biases, a function of the seed', () => {
  const th = initPolicy(discrete, 3);
  const row = (start: number, n: number) => Math.hypot(...th.subarray(start, start + n));
  assert.ok(Math.abs(row(0, 3) - 1) < 1e-6 && Math.abs(row(9, 3) - 1) < 1e-6);
  assert.deepEqual([...th.subarray(12, 16)], [0, 0, 0, 0]);
  const outAt = 16 + 10; // after layer 2 (2×4 + 2)
  assert.ok(Math.abs(row(outAt, 2) - 0.01) < 1e-7);
  assert.deepEqual(initPolicy(discrete, 3), th);
  assert.notDeepEqual(initPolicy(discrete, 4), th);
});

test("observation filter: the merged sums give the data's mean and std (with the starter's prior), clipped at 5", () => {
  const data = [
    [1, 10],
    [3, 14],
    [5, 12],
    [7, 16],
  ];
  const sums = (rows: number[][]) => ({
    count: rows.length,
    sumO: Float64Array.from([0, 1], (i) => rows.reduce((s, r) => s + r[i]!, 0)),
    sumSqO: Float64Array.from([0, 1], (i) => rows.reduce((s, r) => s + r[i]! ** 2, 0)),
  });
  const stats = mergeObsStats(mergeObsStats(emptyObsStats(2), sums(data.slice(0, 1))), sums(data.slice(1)));
  const f = obsFilter(stats);
  const n = 4.01;
  for (const i of [0, 1]) {
    const mean = data.reduce((s, r) => s + r[i]!, 0) / n;
    const sq = (data.reduce((s, r) => s + r[i]! ** 2, 0) + 0.01) / n;
    assert.ok(Math.abs(f.meanO[i]! - mean) < 1e-12);
    assert.ok(Math.abs(f.stdO[i]! - Math.sqrt(sq - mean * mean)) < 1e-12);
  }
  const fresh = obsFilter(emptyObsStats(2));
  assert.deepEqual([...fresh.meanO, ...fresh.stdO], [0, 0, 1, 1]);
  assert.deepEqual([...normalizeInto(fresh, [7, -0.5], new Float64Array(2))], [5, -0.5]);
});

test('policy: widths not multiples of 4 (the forward sums four units at a time) give the reference bit for bit', () => {
  const wide: PolicySpec = {
    observationSize: 7,
    hidden: [9, 6],
    actionSpace: {
      kind: 'continuous',
      lowA: new Float64Array(5).fill(-1e9),
      highA: new Float64Array(5).fill(1e9),
    },
  };
  const forward = policyForward(wide);
  for (let s = 0; s < 10; s++) {
    const th = randomTheta(policyParamCount(wide), s + 300);
    const x = Array.from({ length: 7 }, (_, i) => Math.sin(s + i) * 2);
    const ref = reference({ ...wide, actionSpace: { kind: 'discrete', n: 5 } }, th, x);
    const a = new Float64Array(5);
    forward(th, Float64Array.from(x), a);
    assert.deepEqual(Array.from(a), ref);
  }
});

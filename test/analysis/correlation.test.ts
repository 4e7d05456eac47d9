// Tests of pearson (eq. 3), cosine and l2Norm against hand computations in float64, including a
// case where float32 accumulation would visibly fail.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cosine, pearson } from '../../src/analysis/correlation.ts';
import { createRng, nextNormal } from '../../src/rng/prng.ts';
import { l2Norm } from '../../src/vector.ts';

test('pearson on a hand-computed example', () => {
  // a = [1,2,3,4], b = [2,4,5,9]: means 2.5 and 5; da = [-1.5,-0.5,0.5,1.5], db = [-3,-1,0,4]
  // sum da*db = 4.5 + 0.5 + 0 + 6 = 11; sum da^2 = 5; sum db^2 = 26 -> 11 / sqrt(130)
  const r = pearson(Float32Array.from([1, 2, 3, 4]), Float64Array.from([2, 4, 5, 9]));
  assert.ok(Math.abs(r - 11 / Math.sqrt(130)) < 1e-15, `${r}`);
});

test('pearson: invariant to affine maps, -1 for negation, NaN for a constant, length checked', () => {
  const a = Float64Array.from([0.3, -1.2, 2.5, 0.1, 0.9]);
  const b = a.map((x) => 3 * x + 7);
  assert.ok(Math.abs(pearson(a, b) - 1) < 1e-15);
  assert.ok(
    Math.abs(
      pearson(
        a,
        a.map((x) => -x),
      ) + 1,
    ) < 1e-15,
  );
  assert.ok(Number.isNaN(pearson(a, new Float64Array(5).fill(2))));
  assert.throws(() => pearson(a, new Float64Array(4)), RangeError);
});

test('pearson accumulates in float64: large P with a large common offset', () => {
  const P = 1_000_000;
  const rng = createRng(1);
  const a = new Float32Array(P),
    b = new Float32Array(P);
  for (let i = 0; i < P; i++) {
    const z = nextNormal(rng);
    a[i] = 1000 + z; // offset 1000: float32 sums of squares would lose the signal
    b[i] = 0.5 * z + nextNormal(rng);
  }
  // reference: float64 two-pass written out here, on float64 copies
  const a64 = Float64Array.from(a),
    b64 = Float64Array.from(b);
  let ma = 0,
    mb = 0;
  for (let i = 0; i < P; i++) {
    ma += a64[i]!;
    mb += b64[i]!;
  }
  ma /= P;
  mb /= P;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < P; i++) {
    const da = a64[i]! - ma,
      db = b64[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  const ref = sab / Math.sqrt(saa * sbb);
  assert.ok(Math.abs(pearson(a, b) - ref) < 1e-12, `${pearson(a, b)} vs ${ref}`);
  // and it is near the population value 0.5 / sqrt(1.25) ~ 0.447 (a's z was rounded to float32 near 1000)
  assert.ok(Math.abs(ref - 0.5 / Math.sqrt(1.25)) < 0.01, `${ref}`);
});

test('cosine and l2Norm by hand', () => {
  assert.equal(l2Norm(Float32Array.from([3, 4])), 5);
  assert.equal(l2Norm(new Float32Array(0)), 0);
  assert.ok(Math.abs(cosine(Float32Array.from([1, 0]), Float32Array.from([1, 1])) - Math.SQRT1_2) < 1e-15);
  // cosine differs from pearson when means are not zero: [1,2] vs [2,1]: cos = 4/5, pearson = -1
  assert.ok(Math.abs(cosine(Float64Array.from([1, 2]), Float64Array.from([2, 1])) - 0.8) < 1e-15);
  assert.ok(Math.abs(pearson(Float64Array.from([1, 2]), Float64Array.from([2, 1])) + 1) < 1e-15);
  assert.throws(() => cosine(new Float32Array(2), new Float32Array(3)), RangeError);
});

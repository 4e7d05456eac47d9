// Tests of aggregateDirect, the reference gradient aggregation, against a naive float64 sum,
// across chunk boundaries, with a reused output buffer and with bad offsets.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateDirect } from '../../src/aggregate/index.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { createRng, nextFloat, nextInt } from '../../src/rng/prng.ts';

const table = createNoiseTable(5, 100_000);

function naive64(offsets: number[], weights: number[], P: number): Float64Array {
  const out = new Float64Array(P);
  offsets.forEach((o, i) => {
    for (let j = 0; j < P; j++) out[j] = out[j]! + weights[i]! * table[o + j]!;
  });
  return out;
}

test('aggregateDirect equals a naive float64 sum to float32 accuracy (P spans chunks, not a multiple)', () => {
  const P = 10_007,
    n = 300;
  const rng = createRng(9);
  const offsets = Array.from({ length: n }, () => nextInt(rng, table.length - P + 1));
  const weights = Array.from({ length: n }, () => Math.fround(nextFloat(rng) * 2 - 1));
  const got = aggregateDirect(table, offsets, Float64Array.from(weights), P);
  const ref = naive64(offsets, weights, P);
  // float32 accumulation of n terms: error <= n * 2^-24 * sum_i |w_i eps_ij|; check against that bound
  let worst = 0;
  for (let j = 0; j < P; j++) {
    let absSum = 0;
    offsets.forEach((o, i) => {
      absSum += Math.abs(weights[i]! * table[o + j]!);
    });
    worst = Math.max(worst, Math.abs(got[j]! - ref[j]!) / (n * 2 ** -24 * absSum));
  }
  assert.ok(worst <= 1, `error ratio ${worst}`);
  // and typically far better than the worst-case bound
  let rel = 0,
    norm = 0;
  for (let j = 0; j < P; j++) {
    rel += (got[j]! - ref[j]!) ** 2;
    norm += ref[j]! ** 2;
  }
  assert.ok(Math.sqrt(rel / norm) < 1e-6, `relative error ${Math.sqrt(rel / norm)}`);
});

test('aggregateDirect: one offspring is an exact scaled window; outP is overwritten and returned', () => {
  const P = 5000;
  const out = new Float32Array(P).fill(123);
  const got = aggregateDirect(table, [777], [0.5], P, out);
  assert.equal(got, out);
  for (let j = 0; j < P; j++) assert.equal(got[j], 0.5 * table[777 + j]!); // 0.5 * x is exact
  assert.deepEqual(aggregateDirect(table, [], [], 3), new Float32Array(3));
});

test('aggregateDirect: opposite terms cancel up to one float32 rounding; bad offsets and lengths throw', () => {
  const P = 100;
  // the float32 accumulator rounds 0.3 * eps, then subtracts the exact product: what is left is that
  // rounding error (so tell() merges a mirrored pair into one weight (f+ - f-) before aggregating)
  const w = Math.fround(0.3);
  const left = aggregateDirect(table, [10, 10], [w, -w], P);
  for (let j = 0; j < P; j++)
    assert.ok(Math.abs(left[j]!) <= 2 ** -24 * Math.abs(w * table[10 + j]!), `${j}: ${left[j]}`);
  assert.throws(() => aggregateDirect(table, [table.length - P + 1], [1], P), RangeError);
  assert.throws(() => aggregateDirect(table, [-1], [1], P), RangeError);
  assert.throws(() => aggregateDirect(table, [0, 1], [1], P), RangeError);
  assert.throws(() => aggregateDirect(table, [0], [1], P, new Float32Array(P + 1)), RangeError);
  aggregateDirect(table, [table.length - P], [1], P); // the last valid offset
});

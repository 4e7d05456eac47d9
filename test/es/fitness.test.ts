// Tests of fitness shaping: centered ranks on hand-computed examples (with ties), raw passthrough.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { centeredRanks, shapeFitness } from '../../src/es/fitness.ts';

const close = (a: Float64Array, e: number[]) => {
  assert.equal(a.length, e.length);
  for (const [i, x] of e.entries()) assert.ok(Math.abs(a[i]! - x) < 1e-15, `[${i}] ${a[i]} vs ${x}`);
};

test('centered ranks: rank / (n - 1) - 0.5, smallest -0.5, largest +0.5', () => {
  // rewards [10, -1, 3, 7]: ranks [3, 0, 1, 2] -> [3/3 - .5, 0 - .5, 1/3 - .5, 2/3 - .5]
  close(centeredRanks(Float64Array.from([10, -1, 3, 7])), [0.5, -0.5, 1 / 3 - 0.5, 2 / 3 - 0.5]);
  // five values: ranks [4, 2, 0, 1, 3] / 4 - 0.5
  close(centeredRanks(Float64Array.from([0.9, -0.2, -5, -0.3, 0.1])), [0.5, 0, -0.5, -0.25, 0.25]);
});

test('centered ranks: ties share their mean rank; n = 1 gives 0; input not mutated', () => {
  // [1, 2, 2, 5]: ranks 0, (1+2)/2, (1+2)/2, 3 -> [-0.5, 0, 0, 0.5]
  close(centeredRanks(Float64Array.from([1, 2, 2, 5])), [-0.5, 0, 0, 0.5]);
  // all equal -> all 0 (a flat landscape gives no direction)
  close(centeredRanks(Float64Array.from([4, 4, 4])), [0, 0, 0]);
  close(centeredRanks(Float64Array.from([42])), [0]);
  const r = Float64Array.from([3, 1, 2]);
  centeredRanks(r);
  assert.deepEqual([...r], [3, 1, 2]);
});

test('shapeFitness: raw is a copy, centered-ranks delegates', () => {
  const r = Float64Array.from([-2.5, 0.25]);
  const raw = shapeFitness(r, 'raw');
  assert.deepEqual(raw, r);
  assert.notEqual(raw, r);
  close(shapeFitness(r, 'centered-ranks'), [-0.5, 0.5]);
});

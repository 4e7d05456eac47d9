// The curves of a run from its records, checked against values worked out by hand: percentages,
// per-iteration seconds and offspring per second as differences of the records' clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendColumns, CHARTS, toColumns } from '../../src/dashboard/columns.ts';

test('columns: test accuracy and ρ in %, seconds per iteration and offspring/s from the clock', () => {
  const records = [
    { iter: 1, loss: 2.5, evaluationsUsed: 100, corr: 0.04, seconds: 2 },
    { iter: 2, loss: 2.25, evaluationsUsed: 100, gradNorm: 7, testAccuracy: 0.125, seconds: 6 },
    { iter: 3, loss: 2, evaluationsUsed: 100, subsetTestAccuracy: 0.5, seconds: 6.5 },
  ];
  const c = toColumns(records, 0, null);
  assert.deepEqual(c.iter, [1, 2, 3]);
  assert.deepEqual(c.testAccuracy, [null, 12.5, 50]);
  assert.deepEqual(c.corr, [4, null, null]);
  assert.deepEqual(c.gradNorm, [null, 7, null]);
  assert.deepEqual(c.secondsPerIteration, [2, 4, 0.5]);
  assert.deepEqual(c.offspringPerSecond, [50, 25, 200]);
  // the same records in two reads give the same columns (the clock carried over)
  const head = toColumns(records.slice(0, 1), 0, null);
  appendColumns(head, toColumns(records.slice(1), 1, 2));
  assert.deepEqual(head, c);
  for (const chart of CHARTS) assert.ok(chart.key in c, chart.key);
});

test('columns: SGD records (no evaluations) and a search without iterations', () => {
  const c = toColumns([{ loss: 1, seconds: 1 }, { loss: 0.5 }], 4, 0.5);
  assert.deepEqual(c.iter, [5, 6]);
  assert.deepEqual(c.offspringPerSecond, [null, null]);
  assert.deepEqual(c.secondsPerIteration, [0.5, null]);
});

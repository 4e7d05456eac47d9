// The experiment statistics against published values: Hollander & Wolfe's examples (as in R's
// wilcox.test and @stdlib's docs), the textbook Mann-Whitney critical value, SciPy on ties.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mean, median, quantile, rankSum, ranks, signedRank, std } from '../../src/experiments/stats.ts';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('experiment statistics', () => {
  it('quantiles interpolate linearly (R type 7 / numpy)', () => {
    close(median([3, 1, 2]), 2);
    close(median([4, 1, 2, 3]), 2.5);
    close(quantile([1, 2, 3, 4, 5], 0.25), 2);
    close(quantile([10, 20, 30, 40], 0.75), 32.5);
    close(mean([1, 2, 3, 4]), 2.5);
    close(std([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
    assert.equal(std([5]), 0);
  });

  it('ranks share ties', () => {
    const r = ranks([10, 20, 20, 30]);
    assert.deepEqual(r.ranks, [1, 2.5, 2.5, 4]);
    assert.equal(r.tieTerm, 6);
  });

  it('signed-rank: Hollander & Wolfe (1973) paired example, W+ = 40, exact p = 0.0390625', () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const t = signedRank(x, y);
    assert.equal(t.statistic, 40);
    close(t.pValue, 0.0390625, 1e-12);
    assert.equal(t.method, 'exact');
  });

  it('signed-rank with five pairs all in one direction: exact p = 2/32 (the smallest possible)', () => {
    const t = signedRank([2, 3, 4, 5, 6], [1, 1.5, 1.8, 2.1, 2.2]);
    close(t.pValue, 0.0625, 1e-12);
    assert.equal(signedRank([1, 2], [1, 2]).pValue, 1);
  });

  it('rank-sum: Hollander & Wolfe (1973) p. 69 permeability data, U = 35, exact two-sided p = 0.2544', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const t = rankSum(x, y);
    assert.equal(t.statistic, 35);
    close(t.pValue, 0.2544122544122544, 1e-12); // R: one-sided 0.1272
    assert.equal(t.method, 'exact');
  });

  it('rank-sum: n1 = n2 = 5, the tabled two-sided 5% critical value is U = 2', () => {
    // P(U ≤ 2) = 4/252 and P(U ≤ 3) = 7/252: two-sided 0.0317 rejects, 0.0556 does not.
    close(rankSum([1, 2, 3, 4, 7], [5, 6, 8, 9, 10]).pValue, 8 / 252, 1e-12);
    close(rankSum([1, 2, 4, 5, 6], [3, 7, 8, 9, 10]).pValue, 14 / 252, 1e-12);
    close(rankSum([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).pValue, 2 / 252, 1e-12);
    close(rankSum([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]).pValue, 2 / 252, 1e-12);
  });

  it('rank-sum with ties: normal approximation with tie and continuity corrections (SciPy 0.027057)', () => {
    const t = rankSum([1, 2, 2, 3, 4, 5, 5, 6], [3, 4, 6, 7, 7, 8, 9]);
    assert.equal(t.statistic, 8.5);
    assert.equal(t.method, 'normal approximation');
    close(t.pValue, 0.027056781135476094, 1e-9);
  });
});

// The presets: every scale yields valid, uniquely named runs; `paper` uses the paper's sizes exactly;
// `small` keeps the paper's ratios (N/P, bucket/P) on cnn-29k.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectedCorrelation } from '../../src/analysis/population-search.ts';
import { getPreset, listPresets, PRESETS } from '../../src/experiments/presets.ts';
import { population, theoryOffspring } from '../../src/experiments/scales.ts';
import { SCALES, type TrainRun } from '../../src/experiments/types.ts';
import { parseTrainConfig } from '../../src/run/config.ts';

const trainRuns = (name: string, scale: 'smoke' | 'small' | 'paper', seeds = 1): TrainRun[] =>
  getPreset(name)
    .runs(scale, seeds)
    .filter((r): r is TrainRun => r.kind === 'train');

describe('experiment presets', () => {
  it('has every experiment of the issue', () => {
    assert.deepEqual([...listPresets()].sort(), [
      'fig1',
      'fig2',
      'fig3',
      'fig4',
      'fig5',
      'population-search',
      'sgd-vs-sgd',
      'table1',
      'timing',
    ]);
  });

  it('every preset, scale and seed count gives unique run ids and valid training configs', () => {
    for (const p of PRESETS) {
      for (const scale of SCALES) {
        const runs = p.runs(scale, 3);
        assert.ok(runs.length > 0, `${p.name} ${scale}`);
        assert.equal(new Set(runs.map((r) => r.id)).size, runs.length, `${p.name} ${scale}: ids`);
        assert.deepEqual([...new Set(runs.map((r) => r.seed))], [0, 1, 2]);
        for (const r of runs) {
          if (r.kind === 'train') parseTrainConfig({ ...r.config, seed: r.seed });
          if (r.kind === 'train' && r.corrFrom)
            assert.ok(
              runs.some((x) => x.id === r.corrFrom),
              `${r.id} depends on a missing run`,
            );
        }
        assert.ok(p.scales[scale].doc.length > 10 && p.scales[scale].seeds >= 1);
      }
    }
  });

  it('sgd-vs-sgd measures along SGD, the ES proxy and ES, every iteration', () => {
    const along = (scale: 'small' | 'paper'): string[] =>
      trainRuns('sgd-vs-sgd', scale).map(
        (r) => `${r.config.model} ${r.config.algo} ${r.config.population ?? r.config.targetCorr ?? ''}`,
      );
    assert.deepEqual(along('paper'), ['cnn-3m sgd ', 'cnn-3m proxy 0.039', 'cnn-3m es 10000']);
    assert.deepEqual(along('small'), [
      'cnn-3m sgd ',
      'cnn-3m proxy 0.039',
      'cnn-29k sgd ',
      'cnn-29k proxy 0.039',
      'cnn-29k es 88',
    ]);
    assert.ok(trainRuns('sgd-vs-sgd', 'small').every((r) => r.config.sgdVsSgdEvery === 1));
  });

  it("paper scale: the paper's sizes", () => {
    const es = trainRuns('fig1', 'paper').find((r) => r.group === 'ES')!;
    assert.deepEqual(
      [
        es.config.model,
        es.config.population,
        es.config.iters,
        es.config.sigma,
        es.config.batch,
        es.config.lr,
      ],
      ['cnn-3m', 10_000, 2000, 0.002, 50, 0.001],
    );
    assert.equal(getPreset('fig1').scales.paper.seeds, 5);
    const t1 = trainRuns('table1', 'paper');
    assert.deepEqual(
      t1.map((r) => [r.config.algo, r.config.targetCorr ?? null, r.config.iters]),
      [
        ['sgd', null, 40_000],
        ['proxy', 0.04, 40_000],
        ['proxy', 0.2, 40_000],
      ],
    );
    assert.equal(getPreset('table1').scales.paper.seeds, 20);
    const lim = trainRuns('fig3', 'paper').find((r) => r.config.limited)!;
    assert.deepEqual([lim.config.population, lim.config.bucketSize], [50_000, 5000]);
    const f5 = trainRuns('fig5', 'paper');
    assert.deepEqual(
      f5.map((r) => [r.config.model, r.config.population, r.config.l2, r.config.noMinibatch]),
      [
        ['cnn-29k', 10_000, 0.0002, true],
        ['cnn-29k', 50_000, 0.0002, true],
      ],
    );
    const search = getPreset('population-search').runs('paper', 1)[0]!;
    assert.ok(
      search.kind === 'population' &&
        search.chunk === 1000 &&
        search.target === 0.2 &&
        search.config.model === 'cnn-3m',
    );
    const timing = getPreset('timing').runs('paper', 1);
    assert.deepEqual(
      timing.map((r) => r.kind === 'timing' && [r.population, r.params, r.limited, r.bucketSize]),
      [
        [10_000, 3_274_634, false, 5000],
        [50_000, 3_274_634, true, 5000],
      ],
    );
  });

  it('small scale keeps the expected ρ of 10,000 offspring on cnn-3m (3.9%) with 88 on cnn-29k', () => {
    assert.equal(population('small', 10_000), 88);
    assert.equal(population('small', 50_000), 442);
    assert.ok(Math.abs(expectedCorrelation(88, 28_938) - expectedCorrelation(10_000, 3_274_634)) < 0.001);
    assert.ok(Math.abs(expectedCorrelation(10_000, 3_274_634) - 0.039) < 0.001); // the paper's 3.9%
    assert.ok(Math.abs(theoryOffspring(0.2, 3_274_634) - 274_000) < 2000); // the paper's "about 274,000"
    const fig2 = trainRuns('fig2', 'small');
    assert.equal(fig2[0]!.config.model, 'cnn-29k');
    assert.equal(fig2[1]!.corrFrom, fig2[0]!.id);
  });
});

// Every preset's report on synthetic runs (no training): figures render, tables put the paper beside
// ours, and the numbers are the statistics of what the runs hold (mean ± std, rank-sum p).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PRESETS } from '../../src/experiments/presets.ts';
import { writeReport } from '../../src/experiments/report.ts';
import { fakeExperiment } from './fake-experiment.ts';

describe('experiment reports', () => {
  it('table 1: mean ± std over seeds beside the paper, and the rank-sum p between groups', async () => {
    const dir = fakeExperiment('table1', 5, {
      SGD: 0.99,
      'ES proxy (4% correlation)': 0.98,
      'ES proxy (20% correlation)': 0.985,
    });
    const w = await writeReport(dir);
    const md = readFileSync(w.path, 'utf8');
    // Finals are top + 0.001·seed − 0.5e^-4: SGD 0.9808 + {0..4}/1000 → mean 98.28%, std 0.16%.
    assert.match(md, /\| SGD \| 5 \| 20 \| 98\.28% ± 0\.16% \| 98\.28% ± 0\.16% \| 99\.11% ± 0\.10% \|/);
    assert.match(md, /98\.39% ± 0\.13%/);
    // Fully separated groups of 5: the exact two-sided rank-sum p is 2/252 = 0.008.
    assert.match(
      md,
      /\| SGD vs proxy 20% \| Wilcoxon rank-sum \(Mann-Whitney U, two-sided\), exact, statistic 25 \| 0\.008 \|/,
    );
    assert.match(md, /MNIST \(22,699 train\)/);
  });

  it('every preset renders its figures as SVG and PNG and lists key numbers beside the paper', async () => {
    for (const p of PRESETS) {
      if (p.name === 'table1') continue;
      const w = await writeReport(fakeExperiment(p.name, 3));
      assert.ok(w.figures.length >= 2, `${p.name}: figures`);
      for (const f of w.figures.filter((x) => x.endsWith('.png')))
        assert.equal(readFileSync(f).subarray(1, 4).toString(), 'PNG');
      assert.ok(
        w.section.key.length >= 1 &&
          w.section.key.every(([, ours, paper]) => ours.length > 0 && paper.length > 0),
        p.name,
      );
      assert.match(readFileSync(w.path, 'utf8'), /## Key numbers/);
    }
  });
});

// Every preset's report on synthetic runs (no training): figures render, tables put the paper beside
// ours, and the numbers are the statistics of what the runs hold (mean ± std, rank-sum p).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildManifest } from '../../src/experiments/manifest.ts';
import { getPreset, PRESETS } from '../../src/experiments/presets.ts';
import { writeReport } from '../../src/experiments/report.ts';
import type { RunSpec } from '../../src/experiments/types.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-report-'));

/** Accuracy of a synthetic run: rises towards `top`, with a per-seed offset. */
function fakeRun(
  spec: RunSpec,
  top: number,
): { summary: Record<string, unknown>; metrics: Record<string, unknown>[] } {
  if (spec.kind === 'timing')
    return {
      summary: {
        seconds: spec.limited ? 0.02 : 0.4,
        directEstimateSeconds: spec.limited ? undefined : 30,
        method: 'fft',
      },
      metrics: [],
    };
  if (spec.kind === 'population') {
    const metrics = Array.from({ length: 30 }, (_, i) => ({
      iter: i + 1,
      offspring: (i + 1) * spec.chunk,
      corr: 0.01 * (i + 1) + 0.001 * spec.seed,
    }));
    return {
      summary: { reached: 20 * spec.chunk + spec.seed * spec.chunk, offspring: 30 * spec.chunk },
      metrics,
    };
  }
  const acc = (t: number): number => top - 0.5 * Math.exp(-t / 5) + 0.001 * spec.seed;
  const metrics = Array.from({ length: 20 }, (_, i) => ({
    iter: i + 1,
    loss: 1,
    corr: 0.04 + 0.001 * spec.seed,
    testAccuracy: acc(i + 1),
  }));
  return {
    summary: { iterations: 20, finalTestAccuracy: acc(20), bestTestAccuracy: acc(20), meanCorr: 0.04 },
    metrics,
  };
}

function fakeExperiment(name: string, seeds: number, tops: Record<string, number> = {}): string {
  const preset = getPreset(name),
    runs = preset.runs('smoke', seeds),
    dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify(buildManifest(preset, 'smoke', seeds, 'MNIST (22,699 train)', runs)),
  );
  for (const spec of runs) {
    const { summary, metrics } = fakeRun(spec, tops[spec.group] ?? 0.9);
    mkdirSync(join(dir, 'runs', spec.id), { recursive: true });
    writeFileSync(join(dir, 'runs', spec.id, 'summary.json'), JSON.stringify(summary));
    writeFileSync(
      join(dir, 'runs', spec.id, 'metrics.jsonl'),
      `${metrics.map((m) => JSON.stringify(m)).join('\n')}\n`,
    );
  }
  return dir;
}

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

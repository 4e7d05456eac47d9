// A synthetic experiment directory of any preset (no training): runs whose accuracy rises towards a
// per-group top with a per-seed offset, population searches and timings, for the report tests.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildManifest } from '../../src/experiments/manifest.ts';
import { getPreset } from '../../src/experiments/presets.ts';
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
    sgdVsSgdCorr: 0.3 + 0.01 * spec.seed,
    testAccuracy: acc(i + 1),
  }));
  return {
    summary: { iterations: 20, finalTestAccuracy: acc(20), bestTestAccuracy: acc(20), meanCorr: 0.04 },
    metrics,
  };
}

/** DIR with manifest.json and runs/<id>/{summary.json,metrics.jsonl} of preset `name` at smoke scale. */
export function fakeExperiment(name: string, seeds: number, tops: Record<string, number> = {}): string {
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

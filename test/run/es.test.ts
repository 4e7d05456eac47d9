// ES training through the library API: a run is a function of its seed, it learns, and the paper's
// correlation ρ(g_ES, g_True) matches sampling theory in the near-linear regime of a small σ.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseTrainConfig } from '../../src/run/config.ts';
import { train } from '../../src/run/train.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-es-'));
let runs = 0;

async function esRun(over: Record<string, unknown>) {
  const out = join(tmp, `run${runs++}`);
  const config = parseTrainConfig({
    algo: 'es',
    model: 'mlp',
    batch: 50,
    evalEvery: 1000,
    dataDir: MNIST_DIR,
    noiseTableSize: 1 << 20,
    evaluator: 'local', // the evaluators' identity is tested in test/evaluate; this is about ES
    out,
    ...over,
  });
  const summary = await train(config, { quiet: true });
  const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
  return { summary, metrics };
}

describe('ES on MNIST (mlp, 25,450 parameters)', () => {
  it('same seed → identical metrics; another seed differs', async () => {
    const a = await esRun({ population: 40, iters: 4, seed: 1 });
    const b = await esRun({ population: 40, iters: 4, seed: 1 });
    const c = await esRun({ population: 40, iters: 4, seed: 2 });
    assert.deepEqual(a.metrics, b.metrics);
    assert.notDeepEqual(a.metrics, c.metrics);
  });

  it('ρ(g_ES, g_True) follows sqrt(n/(n+P+1)) for n mirrored pairs and rises with N', async () => {
    const P = 25_450;
    const rho: Record<number, number> = {};
    for (const N of [200, 2000]) {
      const { metrics } = await esRun({ population: N, iters: 1, corrEvery: 1, seed: 3 });
      rho[N] = metrics[0]!.corr as number;
      const theory = Math.sqrt(N / 2 / (N / 2 + P + 1));
      assert.ok(
        rho[N]! > 0.75 * theory && rho[N]! < 1.25 * theory,
        `N=${N}: ρ ${rho[N]} vs theory ${theory}`,
      );
    }
    assert.ok(rho[2000]! > 2 * rho[200]!, `ρ should rise about sqrt(10)-fold: ${rho[200]} → ${rho[2000]}`);
  });

  it('learns: test accuracy well above chance after 30 iterations', async () => {
    const { summary, metrics } = await esRun({ population: 400, iters: 30, lr: 0.01, sigma: 0.01, seed: 4 });
    assert.ok((summary.finalTestAccuracy as number) > 0.5, `accuracy ${summary.finalTestAccuracy}`);
    const first = metrics.slice(0, 5).reduce((s, m) => s + (m.loss as number), 0);
    const last = metrics.slice(-5).reduce((s, m) => s + (m.loss as number), 0);
    assert.ok(last < first, `mean offspring loss should fall: ${first / 5} → ${last / 5}`);
  });
});

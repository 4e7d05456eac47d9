// The ES proxy: its multiplier against a hand computation, its gradient's correlation with the true
// gradient at the target ρ every step, and (ρ = 1) the very same run as SGD on the same mini-batches.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pearson } from '../../src/analysis/correlation.ts';
import { proxyGradient, proxyMultiplier } from '../../src/analysis/proxy.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { parseTrainConfig } from '../../src/run/config.ts';
import { proxyHook } from '../../src/run/proxy.ts';
import { train } from '../../src/run/train.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

describe('proxy gradient', () => {
  it('m = sqrt(var(g)(1−ρ²)/(var(n)ρ²)) by hand', () => {
    // g = [1,2,3,4]: var 1.25; n = [0,0,2,2]: var 1; ρ = 0.5: m = sqrt(1.25·0.75/0.25) = sqrt(3.75)
    assert.ok(
      Math.abs(
        proxyMultiplier(Float32Array.of(1, 2, 3, 4), Float32Array.of(0, 0, 2, 2), 0.5) - Math.sqrt(3.75),
      ) < 1e-12,
    );
    assert.throws(() => proxyMultiplier(Float32Array.of(1, 2), Float32Array.of(1, 0), 0), /\(0, 1\]/);
  });

  it('correlates with the true gradient at ρ (P = 200,000), reports it, and m falls as ρ rises', () => {
    const trueP = createNoiseTable(1, 200_000).map((v, i) => v * 0.01 + (i % 7) * 1e-3);
    let lastM = Infinity;
    for (const rho of [0.039, 0.2, 0.5, 0.9]) {
      const noise = createNoiseTable(2 + rho * 100, trueP.length);
      const { gradP, multiplier, corr } = proxyGradient(trueP, noise, rho);
      const r = pearson(gradP, trueP);
      // independent noise: the sampling error of ρ is about 1/sqrt(P) = 0.0022
      assert.ok(Math.abs(r - rho) < 0.01, `ρ ${rho}: measured ${r}`);
      // the fused moments against the two-pass computations they replace
      assert.equal(multiplier, proxyMultiplier(trueP, noise, rho));
      assert.ok(Math.abs(corr - r) < 1e-6, `reported ρ ${corr} vs Pearson of the float32 gradient ${r}`);
      assert.ok(multiplier < lastM);
      lastM = multiplier;
    }
  });
});

describe('esgrad train --algo proxy', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'esgrad-proxy-'));
  async function run(over: Record<string, unknown>) {
    const out = join(tmp, String(Object.values(over).join('-')));
    await train(
      parseTrainConfig({
        model: 'mlp',
        iters: 15,
        batch: 30,
        evalEvery: 5,
        dataDir: MNIST_DIR,
        seed: 2,
        out,
        ...over,
      }),
      { quiet: true },
    );
    return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>);
  }

  it("the hook's noise is a window of the table at an offset of (seed, t), in a reused buffer", () => {
    const P = 1000;
    const table = Float32Array.from({ length: 5000 }, (_, i) => i); // value = index: a window shows its offset
    const g = Float32Array.from({ length: P }, (_, i) => Math.sin(i));
    const offsetOf = (hooked: {
      gradP: Float32Array | number[];
      metrics: Record<string, unknown>;
    }): number[] => {
      const m = hooked.metrics.multiplier as number;
      return Array.from(hooked.gradP, (x, i) => Math.round((x - g[i]!) / m) - i);
    };
    const hook = proxyHook(7, 0.5, table);
    const first = hook(4, g) as { gradP: Float32Array; metrics: Record<string, unknown> };
    const o4 = offsetOf(first);
    assert.ok(o4.every((o) => o === o4[0]) && o4[0]! >= 0 && o4[0]! <= 4000, 'one contiguous window');
    const again = hook(5, g) as { gradP: Float32Array; metrics: Record<string, unknown> };
    assert.equal(again.gradP, first.gradP, 'the output buffer is reused');
    const fresh = proxyHook(7, 0.5, table)(5, g) as { gradP: Float32Array };
    assert.deepEqual(Array.from(again.gradP), Array.from(fresh.gradP), 'reuse carries nothing over');
    assert.notEqual(offsetOf(again)[0], o4[0], 'another iteration, another offset');
    assert.notDeepEqual(
      Array.from((proxyHook(8, 0.5, table)(5, g) as { gradP: Float32Array }).gradP),
      Array.from(fresh.gradP),
      'another seed, another offset',
    );
  });

  it('logs ρ at the target every step', async () => {
    // The mlp's gradient is concentrated in few weights, so the noise's chance correlation with it is
    // larger than 1/sqrt(P): measured 0.178..0.209 per step over 15 steps, mean 0.198.
    const rs = (await run({ algo: 'proxy', targetCorr: 0.2 })).map((m) => m.corr!);
    for (const r of rs) assert.ok(Math.abs(r - 0.2) < 0.03, `ρ ${r}`);
    assert.ok(Math.abs(rs.reduce((a, b) => a + b, 0) / rs.length - 0.2) < 0.01);
  });

  it('refuses a noise table smaller than the network in one line (not an internal error)', async () => {
    await assert.rejects(run({ algo: 'proxy', targetCorr: 0.2, noiseTableSize: 100 }), (e: Error) => {
      assert.equal(e.name, 'UsageError');
      assert.match(e.message, /noise table too small: noiseTableSize = 100 .* P = 25450/);
      return true;
    });
  });

  it('with ρ = 1 it is SGD on the same mini-batch sequence, step for step', async () => {
    const proxy = await run({ algo: 'proxy', targetCorr: 1 });
    const sgd = await run({ algo: 'sgd' });
    assert.deepEqual(
      proxy.map((m) => [m.loss, m.testAccuracy]),
      sgd.map((m) => [m.loss, m.testAccuracy]),
    );
  });
});

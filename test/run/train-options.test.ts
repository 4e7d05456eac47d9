// train() for library users: extra reporters and an onIteration callback hear every record (the same
// as metrics.jsonl) with θ, reporters hear the summary and are closed; run directories are guarded.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseTrainConfig } from '../../src/run/config.ts';
import type { Reporter } from '../../src/run/reporter.ts';
import { train } from '../../src/run/train.ts';
import { type Metrics, UsageError } from '../../src/types.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-train-options-'));
const config = (out: string) =>
  parseTrainConfig({ model: 'mlp', iters: 6, batch: 16, evalEvery: 3, out, dataDir: MNIST_DIR });

describe('train() options', () => {
  it('reporters and onIteration hear each record of metrics.jsonl with θ; reporters the summary', async () => {
    const out = join(tmp, 'lib');
    const heard: Metrics[] = [];
    const thetas: number[] = [];
    const called: string[] = [];
    const mine: Reporter = {
      onIteration: (m) => heard.push(m),
      onEnd: (s) => called.push(`end ${s.iterations}`),
      close: () => called.push('close'),
    };
    const summary = await train(config(out), {
      quiet: true,
      reporters: [mine],
      onIteration: (_m, thetaP) => thetas.push(thetaP.length),
    });
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.deepEqual(
      heard,
      lines.map((l) => JSON.parse(l)),
    );
    assert.deepEqual(thetas, Array(6).fill(summary.params));
    assert.deepEqual(called, ['end 6', 'close']);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), summary);
  });

  it('refuses an existing run before reading data; overwrite replaces it', async () => {
    const out = join(tmp, 'lib');
    writeFileSync(join(out, 'checkpoint.bin'), 'stale');
    await assert.rejects(train(config(out), { quiet: true }), UsageError);
    await train(config(out), { quiet: true, overwrite: true });
    assert.ok(!existsSync(join(out, 'checkpoint.bin')));
  });
});

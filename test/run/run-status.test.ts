// status.json as train() leaves it: running while it trains (this process, this host), then finished,
// interrupted (the abort signal of Ctrl-C / SIGTERM) or failed with the error's message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseTrainConfig } from '../../src/run/config.ts';
import { readRunStatus } from '../../src/run/run-status.ts';
import { train } from '../../src/run/train.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-run-status-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const config = (out: string) =>
  parseTrainConfig({ model: 'mlp', iters: 4, batch: 16, evalEvery: 4, out, dataDir: MNIST_DIR });

test('train(): status.json says running during the run, then finished', async () => {
  const out = join(tmp, 'finished');
  const seen: string[] = [];
  await train(config(out), {
    quiet: true,
    onIteration: () => seen.push(readRunStatus(out)?.state ?? 'none'),
  });
  assert.deepEqual(seen, ['running', 'running', 'running', 'running']);
  const status = readRunStatus(out)!;
  assert.equal(status.state, 'finished');
  assert.deepEqual([status.pid, status.host], [process.pid, hostname()]);
});

test('train(): interrupted by the abort signal, failed with the error of an iteration', async () => {
  const stopped = join(tmp, 'interrupted');
  const stop = new AbortController();
  const summary = await train(config(stopped), {
    quiet: true,
    signal: stop.signal,
    onIteration: (m) => m.iter === 2 && stop.abort(),
  });
  assert.equal(summary.interrupted, true);
  assert.equal(readRunStatus(stopped)?.state, 'interrupted');

  const failed = join(tmp, 'failed');
  const onIteration = (m: { iter?: unknown }): void => {
    if (m.iter === 3) throw new Error('the disk went away');
  };
  await assert.rejects(train(config(failed), { quiet: true, onIteration }), /the disk went away/);
  const status = readRunStatus(failed)!;
  assert.deepEqual([status.state, status.error], ['failed', 'the disk went away']);
});

// `esgrad report RUN_DIR` on a control-task run made by hand (records keyed by `iteration`, returns, no
// test set): the results name the evaluation returns, and the return figure holds both curves' points.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadRunDir } from '../../src/experiments/run-dir.ts';
import { controlFigures, writeRunReport } from '../../src/experiments/run-report.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-run-report-control-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const record = (iteration: number) => ({
  iteration,
  rewardMean: 10 * iteration,
  gradNorm: 1,
  timesteps: 1000 * iteration,
  seconds: 0.5 * iteration,
  timestepsPerSecond: 2000,
  ...(iteration % 5 === 0 ? { evalReturn: 20 * iteration } : {}),
});

test('a control run: evaluation returns in the results, the return curve with every evaluation and iteration', async () => {
  const dir = join(tmp, 'cartpole');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      task: 'cartpole',
      iters: 20,
      hidden: [8],
      evalEvery: 5,
      evalEpisodes: 10,
      seed: 4,
      population: 20,
    }),
  );
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    Array.from({ length: 20 }, (_, i) => `${JSON.stringify(record(i + 1))}\n`).join(''),
  );
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify({
      task: 'cartpole',
      iterations: 20,
      parameters: 58,
      finalEvalReturn: 400,
      bestEvalReturn: 400,
      bestEvalIteration: 20,
      timesteps: 20000,
      seconds: 10,
      timestepsPerSecond: 2000,
    }),
  );
  const [figure] = controlFigures(loadRunDir(dir));
  const values = JSON.stringify(figure?.spec);
  for (const it of [5, 10, 15, 20])
    assert.ok(values.includes(`"x":${it},"median":${20 * it}`), `evaluation ${it}`);
  for (const it of [1, 7, 20]) assert.ok(values.includes(`"x":${it},"median":${10 * it}`), `iteration ${it}`);
  const written = await writeRunReport(dir);
  const md = readFileSync(written.path, 'utf8');
  assert.match(md, /^# Training run: ES on cartpole policy \(58 parameters\), seed 4$/m);
  assert.match(md, /\| final evaluation return \| 400\.0 \|/);
  assert.match(md, /\| best evaluation return \| 400\.0 \(iteration 20\) \|/);
  assert.match(md, /\| control task \| cartpole \| `--task` \|/);
  assert.ok(existsSync(join(dir, 'figures', 'return.png')));
  assert.match(md, /figures\/return\.png/);
});

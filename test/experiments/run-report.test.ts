// `esgrad report RUN_DIR` on run directories made by hand: settings and results from config.json and
// summary.json, figures drawn from the records, an unfinished run with a torn last line, a population search.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRunDir } from '../../src/experiments/run-dir.ts';
import { runFigures } from '../../src/experiments/run-figures.ts';
import { writeRunReport } from '../../src/experiments/run-report.ts';
import { figureLayout, overlaps } from './figure-layout.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-run-report-'));

type Rec = Record<string, unknown>;

/** An ES record per iteration: loss falls, test accuracy every 5, ρ every 2, the estimate's norm. */
const esRecord = (iter: number): Rec => ({
  iter,
  loss: 2.3 - 0.02 * iter,
  gradNorm: 30 + iter,
  ...(iter % 2 === 1 ? { corr: 0.03 + 0.001 * iter } : {}),
  ...(iter % 5 === 0 ? { testAccuracy: 0.1 + 0.02 * iter, testLoss: 2.2 - 0.02 * iter } : {}),
  seconds: 0.1 * iter,
});

const ES_CONFIG = {
  algo: 'es',
  model: 'mlp',
  dataset: 'mnist',
  iters: 30,
  evalEvery: 5,
  seed: 7,
  batch: 50,
  optimizer: 'adam',
  lr: 0.001,
  l2: 0,
  population: 40,
  sigma: 0.002,
  mirrored: true,
  limited: false,
  bucketSize: 5000,
  targetCorr: 0.039,
  corrEvery: 2,
};
/** run.json: what `esgrad train` writes beside the settings. */
const RUN_INFO: Rec = { esgrad: '0.1.0', model: 'mlp', params: 25450, dataset: 'MNIST (22,699 train)' };

function runDir(name: string, files: { config?: Rec; info?: Rec; summary?: Rec; metrics?: string }): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  if (files.config) writeFileSync(join(dir, 'config.json'), JSON.stringify(files.config));
  if (files.info) writeFileSync(join(dir, 'run.json'), JSON.stringify(files.info));
  if (files.summary) writeFileSync(join(dir, 'summary.json'), JSON.stringify(files.summary));
  if (files.metrics !== undefined) writeFileSync(join(dir, 'metrics.jsonl'), files.metrics);
  return dir;
}

const lines = (recs: Rec[]): string => recs.map((r) => `${JSON.stringify(r)}\n`).join('');
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const values = (spec: Rec): Rec[] => (spec.data as { values: Rec[] }).values;

describe('report of a single run', () => {
  it('a finished ES run: settings, results and four figures (SVG and PNG) from its records', async () => {
    const recs = range(30).map(esRecord);
    const dir = runDir('es', {
      config: ES_CONFIG,
      info: RUN_INFO,
      summary: {
        algo: 'es',
        model: 'mlp',
        params: 25450,
        seed: 7,
        iterations: 30,
        finalTestAccuracy: 0.7,
        bestTestAccuracy: 0.7,
        finalTestLoss: 1.6,
        meanTrainLoss: 1.99,
        meanCorr: 0.0455,
        seconds: 3,
      },
      metrics: lines(recs),
    });
    const w = await writeRunReport(dir);
    const md = readFileSync(w.path, 'utf8');
    assert.match(md, /^# Training run: ES on mlp \(25,450 parameters\), seed 7/);
    assert.match(md, /status: finished/);
    assert.match(md, /data: MNIST \(22,699 train\)/);
    assert.match(md, /\| final test accuracy \| 70\.00% \|/);
    assert.match(md, /\| mean gradient correlation ρ \| 4\.55% \|/);
    assert.match(md, /\| offspring per iteration \| 40 \| `--population` \|/);
    assert.match(md, /\| mirrored sampling \| yes \| `--no-mirrored` \|/);
    assert.doesNotMatch(
      md,
      /target gradient correlation|bucket size/,
      'proxy and limited-only settings hidden',
    );
    for (const name of ['accuracy', 'loss', 'corr', 'grad-norm']) {
      assert.match(md, new RegExp(`!\\[[^\\]]+\\]\\(figures/${name}\\.png\\)`));
      assert.match(readFileSync(join(dir, 'figures', `${name}.svg`), 'utf8'), /^<svg/);
      assert.equal(
        readFileSync(join(dir, 'figures', `${name}.png`))
          .subarray(1, 4)
          .toString(),
        'PNG',
      );
    }
    assert.equal(w.figures.length, 8);
  });

  it("the figures plot the run's records: accuracy at each evaluation, ρ where measured, both losses", () => {
    const recs = range(30).map(esRecord);
    const dir = runDir('es-figures', { config: ES_CONFIG, metrics: lines(recs) });
    const figs = Object.fromEntries(runFigures(loadRunDir(dir)).map((f) => [f.name, f.spec]));
    assert.deepEqual(
      values(figs.accuracy!).map((r) => [r.x, r.median]),
      recs.filter((r) => 'testAccuracy' in r).map((r) => [r.iter, 100 * (r.testAccuracy as number)]),
    );
    assert.deepEqual(
      values(figs.corr!).map((r) => r.x),
      recs.filter((r) => 'corr' in r).map((r) => r.iter),
    );
    const loss = values(figs.loss!);
    assert.equal(loss.filter((r) => r.group === 'training loss (mini-batch)').length, 30);
    assert.equal(loss.filter((r) => r.group === 'test loss').length, 6);
  });

  it('a long run: per-iteration curves averaged over 1% of the records, at most about 600 points each', () => {
    const dir = runDir('long', { config: ES_CONFIG, metrics: lines(range(5000).map(esRecord)) });
    const figs = runFigures(loadRunDir(dir));
    const loss = figs.find((f) => f.name === 'loss')!;
    assert.match(loss.caption, /moving average over 50 records/);
    const train = values(loss.spec).filter((r) => r.group === 'training loss (mini-batch)');
    assert.ok(train.length <= 601 && train.length >= 500, String(train.length));
    assert.equal(train.at(-1)!.x, 5000, 'the last iteration is kept');
    assert.doesNotMatch(figs.find((f) => f.name === 'accuracy')!.caption, /moving average/);
  });

  it("every figure's legend lies outside its data area", async () => {
    const dir = runDir('es-legend', { config: ES_CONFIG, metrics: lines(range(30).map(esRecord)) });
    for (const f of runFigures(loadRunDir(dir))) {
      const layout = await figureLayout(f.spec);
      for (const legend of layout.legends)
        for (const plot of layout.plots) assert.ok(!overlaps(legend, plot), f.name);
    }
  });

  it('an SGD run without ρ has neither a correlation nor a gradient-norm figure', async () => {
    const recs = range(10).map((iter) => ({ iter, loss: 2 - 0.1 * iter, testAccuracy: 0.05 * iter }));
    const dir = runDir('sgd', {
      config: { ...ES_CONFIG, algo: 'sgd', corrEvery: 0 },
      summary: { iterations: 10, finalTestAccuracy: 0.5 },
      metrics: lines(recs),
    });
    const w = await writeRunReport(dir);
    const md = readFileSync(w.path, 'utf8');
    assert.match(md, /^# Training run: SGD on mlp/);
    assert.doesNotMatch(md, /offspring per iteration/, 'ES settings hidden for SGD');
    assert.ok(existsSync(join(dir, 'figures', 'accuracy.svg')));
    assert.ok(!existsSync(join(dir, 'figures', 'corr.svg')));
    assert.ok(!existsSync(join(dir, 'figures', 'grad-norm.svg')));
  });

  it('an unfinished run (no summary.json, a half-written last line) is reported with what it recorded', async () => {
    const recs = range(12).map(esRecord);
    const torn = JSON.stringify(esRecord(13)).slice(0, 25);
    const dir = runDir('unfinished', { config: ES_CONFIG, info: RUN_INFO, metrics: `${lines(recs)}${torn}` });
    assert.equal(loadRunDir(dir).metrics.length, 12);
    const w = await writeRunReport(dir);
    const md = readFileSync(w.path, 'utf8');
    // Without summary.json the model's size and the data's label come from run.json.
    assert.match(md, /ES on mlp \(25,450 parameters\)/);
    assert.match(md, /data: MNIST \(22,699 train\)/);
    assert.match(
      md,
      /unfinished.*no summary\.json.*in progress or was interrupted.*12 records.*up to iteration 12/,
    );
    assert.match(md, /\| iterations \(so far\) \| 12 \|/);
    // The last evaluation was at iteration 10: 0.1 + 0.02 × 10.
    assert.match(md, /\| final test accuracy \(last evaluation\) \| 30\.00% \|/);
    assert.ok(existsSync(join(dir, 'figures', 'accuracy.png')));
    assert.deepEqual(w.key[0], ['status', 'unfinished']);
  });

  it('a run that has only written config.json says there is nothing to plot yet', async () => {
    const dir = runDir('just-started', { config: ES_CONFIG });
    const w = await writeRunReport(dir);
    assert.match(readFileSync(w.path, 'utf8'), /No metrics recorded yet/);
    assert.equal(w.figures.length, 0);
  });

  it("a population search's directory: ρ against offspring, with sampling theory in the legend", async () => {
    const recs = range(8).map((i) => ({ iter: i, offspring: 100 * i, corr: 0.02 * i, theory: 0.021 * i }));
    const dir = runDir('search', {
      summary: { model: 'mlp', params: 25450, seed: 1, target: 0.2, chunk: 100, cap: 800, reached: null },
      metrics: lines(recs),
    });
    const [corr] = runFigures(loadRunDir(dir));
    assert.equal(corr!.name, 'corr');
    assert.deepEqual(
      values(corr!.spec).map((r) => r.x),
      recs.map((r) => r.offspring),
    );
    assert.ok((await figureLayout(corr!.spec)).legendLabels.includes('sampling theory'));
    const md = readFileSync((await writeRunReport(dir)).path, 'utf8');
    assert.match(md, /^# Population search/);
    assert.match(md, /\| offspring that reached the target \| not reached before the cap \|/);
  });
});

// `esgrad experiment` and `esgrad report` on the command line: the listing, and bad input as one line
// with exit code 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN } from '../helpers/cli.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';
import { fakeExperiment } from './fake-experiment.ts';

const esgrad = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ESGRAD_DATA_DIR: MNIST_DIR, ESGRAD_DEBUG: '' },
  });

describe('esgrad experiment / report CLI', () => {
  it('--list shows every preset with its scales', () => {
    const r = esgrad('experiment', '--list');
    assert.equal(r.status, 0);
    for (const name of [
      'fig1',
      'fig2',
      'table1',
      'population-search',
      'fig3',
      'fig4',
      'fig5',
      'timing',
      'sgd-vs-sgd',
    ])
      assert.match(r.stdout, new RegExp(`^${name}: `, 'm'));
    assert.match(r.stdout, /small \(\d seeds?\): cnn-29k/);
  });

  it('bad input: one line, exit code 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esgrad-cli-'));
    for (const [args, msg] of [
      [['experiment', 'fig9'], /unknown experiment 'fig9'/],
      [
        ['experiment', 'fig2', '--scale', 'huge', '--out', dir],
        /--scale huge: allowed are smoke, small, paper/,
      ],
      [
        ['experiment', 'fig2', '--scale', 'smoke', '--seeds', '0', '--out', dir],
        /--seeds 0: must be a positive integer/,
      ],
      [['report', dir], /neither an experiment \(no manifest\.json.*nor a run \(no config\.json/],
      [['report', join(dir, 'missing')], /missing: no such directory/],
    ] as const) {
      const r = esgrad(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });

  it('report RUN_DIR: a training run made by `esgrad train` gets report.md with its settings and curves', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'esgrad-cli-')), 'sgd');
    const t = esgrad(
      ...['train', '--algo', 'sgd', '--model', 'mlp', '--iters', '20', '--eval-every', '5'],
      ...['--corr-every', '2', '--seed', '4', '--out', out, '--quiet'],
    );
    assert.equal(t.status, 0, t.stderr);
    const r = esgrad('report', out);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], join(out, 'report.md'));
    assert.match(r.stdout, /status: finished/);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>;
    assert.match(md, /^# Training run: SGD on mlp \(25,450 parameters\), seed 4/);
    assert.ok(md.includes(`| final test accuracy | ${(100 * summary.finalTestAccuracy!).toFixed(2)}% |`));
    assert.match(md, /\| iterations \(planned\) \| 20 \| `--iters` \|/);
    for (const f of ['accuracy', 'loss', 'corr'])
      for (const ext of ['svg', 'png'])
        assert.ok(existsSync(join(out, 'figures', `${f}.${ext}`)), `${f}.${ext}`);
    assert.ok(!existsSync(join(out, 'figures', 'grad-norm.svg')), 'SGD logs no gradient norm');
  });

  it('report DIR still reports an experiment and each experiment of a directory of them', () => {
    const exp = fakeExperiment('fig3', 2);
    const one = esgrad('report', exp);
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout, /full vs limited p/);
    const all = esgrad('report', dirname(exp));
    assert.equal(all.status, 0, all.stderr);
    assert.ok(all.stdout.includes(join(exp, 'report.md')));
  });
});

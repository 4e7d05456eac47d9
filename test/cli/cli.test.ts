// End-to-end checks of the esgrad command as a user runs it: SGD training writes metrics and a
// summary and is a function of the seed; every kind of bad input is one line with exit code 2.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { esgrad } from '../helpers/cli.ts';

function metricsWithoutTime(dir: string) {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds, ...rest } = JSON.parse(l) as Record<string, unknown>;
      assert.equal(typeof seconds, 'number');
      return rest;
    });
}

describe('esgrad train --algo sgd', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'esgrad-cli-'));
  const run = (out: string, seed: string) =>
    esgrad(
      'train',
      '--algo',
      'sgd',
      '--model',
      'mlp',
      '--iters',
      '60',
      '--batch',
      '32',
      '--eval-every',
      '20',
      '--seed',
      seed,
      '--out',
      join(tmp, out),
      '--quiet',
    );

  it('learns, writes metrics.jsonl and summary.json, prints a one-line summary', () => {
    const r = run('a', '3');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^sgd mlp: test accuracy \d+\.\d\d% after 60 iterations on MNIST \(22,699 train\) \(seed 3\)/,
    );
    const summary = JSON.parse(readFileSync(join(tmp, 'a', 'summary.json'), 'utf8'));
    assert.equal(summary.dataset, 'MNIST (22,699 train)');
    assert.ok(summary.finalTestAccuracy > 0.5, `accuracy ${summary.finalTestAccuracy}`);
    const m = metricsWithoutTime(join(tmp, 'a'));
    assert.equal(m.length, 60);
    assert.deepEqual(
      m.filter((r) => 'testAccuracy' in r).map((r) => r.iter),
      [20, 40, 60],
    );
  });

  it('same seed gives identical metrics; another seed does not', () => {
    assert.equal(run('b', '3').code, 0);
    assert.equal(run('c', '4').code, 0);
    assert.deepEqual(metricsWithoutTime(join(tmp, 'a')), metricsWithoutTime(join(tmp, 'b')));
    assert.notDeepEqual(metricsWithoutTime(join(tmp, 'a')), metricsWithoutTime(join(tmp, 'c')));
  });

  it('reads --config files, flags override them', () => {
    const cfg = join(tmp, 'run.json');
    writeFileSync(cfg, JSON.stringify({ algo: 'sgd', model: 'mlp', iters: 5, batch: 10, evalEvery: 5 }));
    const r = esgrad('train', '--config', cfg, '--iters', '3', '--out', join(tmp, 'd'), '--quiet');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(metricsWithoutTime(join(tmp, 'd')).length, 3);
  });
});

describe('bad input is one line and exit code 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown model', ['train', '--model', 'resnet', '--iters', '1'], /model.*resnet.*cnn-3m/],
    ['unknown dataset', ['train', '--dataset', 'cifar', '--iters', '1'], /dataset.*cifar.*mnist/],
    ['unknown flag', ['train', '--bogus'], /unknown option '--bogus'/],
    ['non-numeric', ['train', '--lr', 'fast'], /'fast' is not a number/],
    ['non-positive learning rate', ['train', '--lr', '0'], /lr.*0/],
    ['non-positive batch', ['train', '--batch', '0'], /batch.*0/],
    [
      'batch larger than the dataset',
      ['train', '--model', 'mlp', '--batch', '30000', '--iters', '1'],
      /batch 30000 is larger than the training set \(22,?699/,
    ],
    [
      'missing data directory',
      ['train', '--model', 'mlp', '--iters', '1', '--data-dir', '/nonexistent/mnist'],
      /\/nonexistent\/mnist/,
    ],
    ['bad config field', ['train', '--config', '/dev/null'], /--config \/dev\/null/],
    ['unknown command', ['fly'], /unknown command 'fly'/],
    [
      'seed beyond 32 bits, for SGD as for ES',
      ['train', '--seed', '4294967296'],
      /^esgrad: --seed: got 4294967296; /,
    ],
    ['ES: σ ≤ 0', ['train', '--algo', 'es', '--model', 'mlp', '--sigma', '0'], /sigma.*0/],
    [
      'ES: population < 2',
      ['train', '--algo', 'es', '--model', 'mlp', '--population', '1'],
      /^esgrad: --population: got 1; /,
    ],
    [
      'ES: odd population with mirrored sampling',
      ['train', '--algo', 'es', '--model', 'mlp', '--population', '11', '--iters', '1'],
      /--population: got 11; must be even/,
    ],
    [
      'ES: noise table smaller than P',
      ['train', '--algo', 'es', '--model', 'mlp', '--noise-table-size', '1000', '--iters', '1'],
      /noise table too small.*1000.*25450/,
    ],
    [
      'an ES-only flag with --algo sgd (it would be ignored)',
      ['train', '--algo', 'sgd', '--sigma', '0.01', '--iters', '1'],
      /^esgrad: --algo sgd does not use --sigma \(es only\): remove it/,
    ],
    [
      'ES-only flags with --algo proxy, each named',
      ['train', '--algo', 'proxy', '--population', '10', '--workers', '2', '--iters', '1'],
      /^esgrad: --algo proxy does not use --population \(es only\), --workers \(es only\): remove them/,
    ],
    [
      "the proxy's --target-corr with ES",
      ['train', '--algo', 'es', '--model', 'mlp', '--target-corr', '0.2', '--iters', '1'],
      /^esgrad: --algo es does not use --target-corr \(proxy only\)/,
    ],
    [
      '--redis with --algo sgd',
      ['train', '--redis', 'redis://127.0.0.1:1', '--iters', '1'],
      /^esgrad: --algo sgd does not use --redis \(es only\)/,
    ],
  ];
  const badConfig = join(mkdtempSync(join(tmpdir(), 'esgrad-cfg-')), 'run.json');
  writeFileSync(badConfig, JSON.stringify({ algo: 'es', population: 3, sigmaa: 1 }));
  cases.push([
    'a config file key is named with its file',
    ['train', '--config', badConfig, '--sigma', '0.01'],
    /^esgrad: .*run\.json: unknown field\(s\) "sigmaa"/,
  ]);
  const oddConfig = join(dirname(badConfig), 'odd.json');
  writeFileSync(oddConfig, JSON.stringify({ algo: 'es', model: 'mlp', population: 3 }));
  cases.push([
    'a bad config value is named as written',
    ['train', '--config', oddConfig],
    /^esgrad: population \(in .*odd\.json\): got 3; must be even/,
  ]);
  const sgdConfig = join(dirname(badConfig), 'sgd.json');
  writeFileSync(sgdConfig, JSON.stringify({ algo: 'sgd', limited: true }));
  cases.push([
    'an ES-only key in a config file is named with its file',
    ['train', '--config', sgdConfig, '--iters', '1'],
    /^esgrad: --algo sgd does not use limited \(in .*sgd\.json\) \(es only\)/,
  ]);
  for (const [label, args, pattern] of cases) {
    it(label, () => {
      const r = esgrad(...args);
      assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
      // Informational lines (e.g. where the data was read) may precede the single error line.
      const lines = r.stderr
        .trim()
        .split('\n')
        .filter((l) => /^(esgrad|error):/.test(l));
      assert.equal(lines.length, 1, `one error line, got: ${r.stderr}`);
      assert.match(lines[0]!, pattern);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }
});

describe('esgrad train --algo es and esgrad corr', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'esgrad-cli-es-'));

  it('ES with --corr-every prints the mean gradient correlation', () => {
    const r = esgrad(
      'train',
      '--algo',
      'es',
      '--model',
      'mlp',
      '--population',
      '100',
      '--iters',
      '3',
      '--corr-every',
      '1',
      '--noise-table-size',
      '100000',
      '--out',
      join(tmp, 'es'),
      '--quiet',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^es mlp: test accuracy .* mean gradient correlation \d+\.\d\d%/);
    const summary = JSON.parse(readFileSync(join(tmp, 'es', 'summary.json'), 'utf8'));
    assert.ok(summary.meanCorr > 0.01 && summary.meanCorr < 0.2, `ρ ${summary.meanCorr}`);
  });

  it('ES without mirrored sampling accepts an odd population', () => {
    const r = esgrad(
      'train',
      '--algo',
      'es',
      '--model',
      'mlp',
      '--population',
      '11',
      '--no-mirrored',
      '--iters',
      '1',
      '--noise-table-size',
      '100000',
      '--out',
      join(tmp, 'plain'),
      '--quiet',
    );
    assert.equal(r.code, 0, r.stderr);
  });

  it("corr sgd-vs-sgd reports a mean correlation beside the paper's", () => {
    const r = esgrad(
      'corr',
      'sgd-vs-sgd',
      '--model',
      'mlp',
      '--iters',
      '20',
      '--out',
      join(tmp, 'svs'),
      '--quiet',
    );
    assert.equal(r.code, 0, r.stderr);
    const m = /mean gradient correlation (\d+\.\d+)% over 20 iterations .*\(paper: 39\.04%\)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Number(m[1]) > 5 && Number(m[1]) < 95, r.stdout);
  });
});

describe('esgrad info', () => {
  it("reports the paper's parameter counts", () => {
    for (const [model, params] of [
      ['cnn-3m', 3_274_634],
      ['cnn-29k', 28_938],
    ] as const) {
      const r = esgrad('info', '--model', model, '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).params, params);
    }
    assert.match(esgrad('info', '--model', 'cnn-3m').stdout, /cnn-3m: 3,274,634 parameters/);
  });
});

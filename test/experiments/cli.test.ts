// `esgrad experiment` and `esgrad report` on the command line: the listing, and bad input as one line
// with exit code 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const BIN = resolve(import.meta.dirname, '../../bin/esgrad.js');
const esgrad = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

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
      [['report', dir], /no manifest\.json/],
    ] as const) {
      const r = esgrad(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });
});

// `esgrad train` run directories as a user meets them: an existing run is never overwritten unless
// --overwrite, a file in the way is one line (exit 2), config.json feeds --config back, metrics.csv
// and --tensorboard files hold what metrics.jsonl holds, also across --resume.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { esgrad, oneLineError } from '../helpers/cli.ts';
import { parseCsv, readEventDir } from '../run/readers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-run-dir-'));
const mlp = (out: string, ...more: string[]) =>
  esgrad(
    'train',
    '--model',
    'mlp',
    '--iters',
    '10',
    '--batch',
    '16',
    '--eval-every',
    '4',
    '--out',
    out,
    '--quiet',
    ...more,
  );

const records = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const withoutTime = (rs: Record<string, unknown>[]) => rs.map(({ seconds: _s, ...rest }) => rest);
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

/** The one line a user error prints (exit code 2, no stack trace). */

/** metrics.csv holds the records of metrics.jsonl: a column per key, in first-seen order. */
function assertCsvMatchesJsonl(dir: string): void {
  const rs = records(dir);
  const [header, ...rows] = parseCsv(readFileSync(join(dir, 'metrics.csv'), 'utf8'));
  const keys = [...new Set(rs.flatMap((r) => Object.keys(r)))];
  assert.deepEqual(header, keys);
  assert.deepEqual(
    rows.map((row) => row.map((cell) => (cell === '' ? null : Number(cell)))),
    rs.map((r) => keys.map((k) => (r[k] === undefined ? null : (r[k] as number)))),
  );
}

describe('esgrad train --out', () => {
  const a = join(tmp, 'a');

  it('a new run writes config.json (settings only), run.json and metrics.csv', () => {
    const r = mlp(a, '--lr', '0.003', '--seed', '5');
    assert.equal(r.code, 0, r.stderr);
    const config = json(join(a, 'config.json'));
    assert.equal(config.lr, 0.003);
    assert.equal(config.out, a);
    assert.ok(!('datasetLabel' in config) && !('params' in config));
    const run = json(join(a, 'run.json'));
    const summary = json(join(a, 'summary.json'));
    assert.equal(run.params, summary.params);
    assert.equal(run.dataset, summary.dataset);
    assertCsvMatchesJsonl(a);
  });

  it('refuses an existing run in one line, leaving it untouched', () => {
    const before = readFileSync(join(a, 'metrics.jsonl'), 'utf8');
    oneLineError(mlp(a), /holds a run already.*another --out.*--overwrite/);
    assert.equal(readFileSync(join(a, 'metrics.jsonl'), 'utf8'), before);
  });

  it('suggests --resume DIR for a run with a checkpoint', () => {
    const b = join(tmp, 'b');
    assert.equal(mlp(b, '--checkpoint-every', '5').code, 0);
    oneLineError(mlp(b), new RegExp(`--resume ${b}`));
  });

  it('--overwrite replaces the run: the old checkpoint goes, the user’s files stay', () => {
    const b = join(tmp, 'b');
    writeFileSync(join(b, 'notes.txt'), 'my notes');
    const r = mlp(b, '--seed', '9', '--overwrite');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(b, 'checkpoint.bin')), 'the old checkpoint is gone');
    assert.equal(readFileSync(join(b, 'notes.txt'), 'utf8'), 'my notes');
    assert.equal(json(join(b, 'config.json')).seed, 9);
    assert.equal(records(b).length, 10);
    oneLineError(esgrad('train', '--resume', b, '--overwrite'), /--overwrite.*--resume/);
  });

  it('accepts an empty existing directory', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    assert.equal(mlp(empty).code, 0);
  });

  it('a file at --out or at a parent is one line, exit 2', () => {
    const file = join(tmp, 'file');
    writeFileSync(file, 'x');
    oneLineError(mlp(file), /--out .*file: is a file, not a directory/);
    oneLineError(mlp(join(file, 'run')), /is a file, not a directory/);
    oneLineError(mlp(join(file, 'run'), '--overwrite'), /is a file, not a directory/);
  });
});

describe('esgrad train --config <a run’s config.json>', () => {
  it('runs the same settings again: same config and, seed for seed, the same metrics', () => {
    const a = join(tmp, 'a');
    const again = join(tmp, 'again');
    const r = esgrad('train', '--config', join(a, 'config.json'), '--out', again, '--quiet');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual({ ...json(join(again, 'config.json')), out: a }, json(join(a, 'config.json')));
    assert.deepEqual(withoutTime(records(again)), withoutTime(records(a)));
  });

  it('without another --out it refuses to write over that run', () => {
    const a = join(tmp, 'a');
    oneLineError(esgrad('train', '--config', join(a, 'config.json'), '--quiet'), /holds a run already/);
  });

  it('an unknown key gets a "did you mean"', () => {
    const cfg = join(tmp, 'typo.json');
    writeFileSync(cfg, JSON.stringify({ algo: 'es', populaton: 20 }));
    oneLineError(
      esgrad('train', '--config', cfg),
      /unknown field\(s\) "populaton" \(did you mean "population"\?\)/,
    );
  });
});

describe('esgrad train --tensorboard', () => {
  it('ES: one event per iteration with accuracy, loss, ρ, gradient norm, s/iteration and offspring/s', () => {
    const es = join(tmp, 'es');
    const r = esgrad(
      'train',
      '--algo',
      'es',
      '--model',
      'mlp',
      '--population',
      '20',
      '--evaluator',
      'local',
      '--iters',
      '4',
      '--eval-every',
      '2',
      '--corr-every',
      '2',
      '--tensorboard',
      '--out',
      es,
      '--quiet',
    );
    assert.equal(r.code, 0, r.stderr);
    const events = readEventDir(join(es, 'tensorboard'));
    assert.equal(events[0]!.fileVersion, 'brain.Event:2');
    const rs = records(es);
    assert.deepEqual(
      events.slice(1).map((e) => e.step),
      rs.map((m) => m.iter),
    );
    for (const [i, e] of events.slice(1).entries()) {
      const m = rs[i]!;
      const dt = (m.seconds as number) - (i === 0 ? 0 : (rs[i - 1]!.seconds as number));
      assert.equal(e.scalars['train/loss'], Math.fround(m.loss as number));
      assert.equal(e.scalars['gradient/norm'], Math.fround(m.gradNorm as number));
      assert.equal(
        e.scalars['gradient/corr'],
        m.corr === undefined ? undefined : Math.fround(m.corr as number),
      );
      assert.equal(
        e.scalars['test/accuracy'],
        m.testAccuracy === undefined ? undefined : Math.fround(m.testAccuracy as number),
      );
      assert.ok(Math.abs(e.scalars['speed/seconds_per_iteration']! - dt) < 1e-6 * Math.max(1, dt));
      assert.ok(Math.abs(e.scalars['speed/offspring_per_second']! / (20 / dt) - 1) < 1e-5);
    }
    assert.ok(events.some((e) => 'gradient/corr' in e.scalars));
  });

  it('--resume: metrics.csv and the event file hold each iteration once, as an uninterrupted run does', () => {
    const whole = join(tmp, 'whole');
    const cut = join(tmp, 'cut');
    assert.equal(mlp(whole, '--tensorboard').code, 0);
    const first = esgrad(
      'train',
      '--model',
      'mlp',
      '--iters',
      '6',
      '--batch',
      '16',
      '--eval-every',
      '4',
      '--checkpoint-every',
      '3',
      '--tensorboard',
      '--out',
      cut,
      '--quiet',
    );
    assert.equal(first.code, 0, first.stderr);
    const resumed = esgrad('train', '--resume', cut, '--iters', '10', '--quiet');
    assert.equal(resumed.code, 0, resumed.stderr);
    assertCsvMatchesJsonl(cut);
    assert.equal(records(cut).length, 10);
    // the first part ended at 6, so it evaluated there: apart from that, the same records
    const untested = (rs: Record<string, unknown>[]) =>
      withoutTime(rs).map(({ testAccuracy: _a, testLoss: _l, ...m }) =>
        m.iter === 6 ? m : { ...m, _a, _l },
      );
    assert.deepEqual(untested(records(cut)), untested(records(whole)));
    assert.equal(readdirSync(join(cut, 'tensorboard')).length, 1);
    const events = readEventDir(join(cut, 'tensorboard')).slice(1);
    assert.deepEqual(
      events.map((e) => e.step),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    const losses = records(cut).map((m) => Math.fround(m.loss as number));
    assert.deepEqual(
      events.map((e) => e.scalars['train/loss']),
      losses,
    );
  });
});

// `esgrad train --eval-every k`: test-set records exactly at multiples of k and at the last iteration,
// for every algorithm; with --eval-subset N the periodic records are the subset's, the last has both.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { esgrad, oneLineError } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-eval-every-'));
const tiny = ['--model', 'mlp', '--iters', '7', '--eval-every', '3', '--batch', '16', '--quiet'];
const es = ['--population', '4', '--evaluator', 'local', '--noise-table-size', '1048576'];

function records(out: string): Record<string, unknown>[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
const itersWith = (rs: Record<string, unknown>[], key: string) =>
  rs.filter((r) => typeof r[key] === 'number').map((r) => r.iter);

describe('esgrad train --eval-every', () => {
  for (const [algo, extra] of [
    ['sgd', []],
    ['es', es],
    ['proxy', []],
  ] as const) {
    it(`${algo}: test accuracy at iterations 3, 6 and 7 (the end)`, () => {
      const out = join(tmp, algo);
      const r = esgrad('train', '--algo', algo, ...tiny, ...extra, '--out', out);
      assert.equal(r.code, 0, r.stderr);
      const rs = records(out);
      assert.equal(rs.length, 7);
      assert.deepEqual(itersWith(rs, 'testAccuracy'), [3, 6, 7]);
      assert.deepEqual(itersWith(rs, 'testLoss'), [3, 6, 7]);
    });
  }

  it('--eval-subset 300: subset records at 3, 6, 7, the full test set at 7 only', () => {
    const out = join(tmp, 'subset');
    const r = esgrad('train', ...tiny, '--eval-subset', '300', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const rs = records(out);
    assert.deepEqual(itersWith(rs, 'subsetTestAccuracy'), [3, 6, 7]);
    assert.deepEqual(itersWith(rs, 'testAccuracy'), [7]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.finalTestAccuracy, rs[6]!.testAccuracy);
    assert.equal(typeof summary.bestSubsetTestAccuracy, 'number');
  });

  it('--eval-subset as large as the test set is one line, exit 2', () => {
    oneLineError(
      esgrad('train', ...tiny, '--eval-subset', '10000', '--out', join(tmp, 'big')),
      /--eval-subset 10000: the test set has only 10000 images/,
    );
  });
});

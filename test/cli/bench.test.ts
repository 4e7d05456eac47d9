// `esgrad bench aggregate`: its flags reach the timing (--json prints JSON, --threads and --table-size
// are honoured), the method is the one rule's, and bad numbers are one line with exit code 2.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregationMethod } from '../../src/aggregate/index.ts';
import { esgrad } from '../helpers/cli.ts';

describe('esgrad bench aggregate', () => {
  it('--json prints the timing of the method training would use, with the given table and threads', () => {
    const methods = new Set<unknown>();
    for (const [population, params] of [
      [200, 300_000], // below the crossover (247 distinct offsets at this table and P): blocked
      [600, 300_000], // above it: fft
    ] as const) {
      const r = esgrad(
        ...['bench', 'aggregate', '--population', `${population}`, '--params', `${params}`],
        ...['--table-size', `${2 ** 20}`, '--threads', '1', '--repeats', '1', '--json'],
      );
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.equal(j.tableSize, 2 ** 20);
      assert.equal(j.threads, 1);
      assert.equal(j.distinctOffsets, population);
      assert.equal(j.method, aggregationMethod(2 ** 20, population, params));
      assert.ok(typeof j.seconds === 'number' && j.seconds > 0);
      methods.add(j.method);
    }
    assert.deepEqual([...methods].sort(), ['blocked', 'fft']);
  });

  it('text without --json; a bad number is one line and exit code 2', () => {
    const ok = esgrad('bench', 'aggregate', '--population', '10', '--params', '100', '--table-size', '5000');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^aggregate 10 x 100: [\d.]+ s \(blocked, \d+ threads; one-time setup/);
    const bad = esgrad('bench', 'aggregate', '--population', '10', '--params', '100', '--threads', '0');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^esgrad: --threads 0: must be a positive integer\n$/);
  });
});

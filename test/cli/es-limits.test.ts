// ES runs that cannot work, as a user meets them: a population too large for the machine is refused
// before anything is read, and an iteration whose rewards are all NaN/Inf (σ too large) ends in one line.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { esgrad, oneLineError } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-es-limits-'));
const es = (out: string, ...more: string[]) =>
  esgrad(
    'train',
    '--algo',
    'es',
    '--model',
    'mlp',
    '--iters',
    '2',
    '--evaluator',
    'local',
    '--out',
    out,
    '--quiet',
    ...more,
  );

describe('ES limits', () => {
  it('refuses --population 100000000 and 2000000000 in one line saying how much memory they need', () => {
    for (const n of ['100000000', '2000000000']) {
      const out = join(tmp, `pop-${n}`);
      const r = es(out, '--population', n);
      oneLineError(
        r,
        new RegExp(`^esgrad: --population ${n}: the run would need about \\d+ GB .*use at most [\\d,]+$`),
      );
      assert.equal(existsSync(out), false);
    }
  });

  it('ends a run whose rewards are all NaN (--sigma 1e30) in one line naming σ, exit 2', () => {
    const r = es(join(tmp, 'nan'), '--population', '8', '--sigma', '1e30');
    // The run had started (its 'results in' line is printed); the failure itself is one line.
    assert.equal(r.code, 2, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('esgrad:'));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(
      errors[0]!,
      /^esgrad: es: generation 0: no usable reward among 8 \(8 NaN\/Inf.*σ = 1e\+30 is likely too large.*--sigma/,
    );
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  });
});

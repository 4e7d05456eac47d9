// Tests of the ES config: every default, and one-line UsageErrors naming field, value and what is
// allowed for the bad values the brief lists (sigma <= 0, N < 2, odd N when mirrored, table < P).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ES_CONFIG, parseEsConfig } from '../../src/es/config.ts';
import { init } from '../../src/es/openai-es.ts';
import { UsageError } from '../../src/types.ts';

function usage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `not a UsageError: ${String(e)}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

test("defaults: the paper's settings", () => {
  assert.deepEqual(DEFAULT_ES_CONFIG, {
    populationSize: 10_000,
    sigma: 0.002,
    mirrored: true,
    fitnessShaping: 'raw',
    noiseTableSize: 2 ** 25,
    seed: 0,
    optimizer: { name: 'adam', lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-8 },
    l2: 0,
    bucketSize: 0,
    noMinibatch: false,
    subsetSize: 50,
  });
  assert.deepEqual(parseEsConfig({ sigma: 0.01, optimizer: { name: 'sgd', lr: 0.1 } }).optimizer, {
    name: 'sgd',
    lr: 0.1,
  });
  assert.deepEqual(parseEsConfig(parseEsConfig({ populationSize: 4 })), {
    ...DEFAULT_ES_CONFIG,
    populationSize: 4,
  });
});

test('bad values name the field, the value and what is allowed', () => {
  usage(() => parseEsConfig({ sigma: 0 }), /^es\.sigma: got 0; .*>0/);
  usage(() => parseEsConfig({ sigma: -0.5 }), /^es\.sigma: got -0\.5; /);
  usage(() => parseEsConfig({ populationSize: 1 }), /^es\.populationSize: got 1; .*>=2/);
  usage(
    () => parseEsConfig({ populationSize: 7 }),
    /^es\.populationSize: got 7; must be even when es\.mirrored is true/,
  );
  parseEsConfig({ populationSize: 7, mirrored: false });
  usage(
    () => parseEsConfig({ fitnessShaping: 'ranks' }),
    /^es\.fitnessShaping: got "ranks"; .*"raw"\|"centered-ranks"/,
  );
  usage(() => parseEsConfig({ optimizer: { name: 'adam', lr: 0 } }), /^es\.optimizer\.lr: got 0; /);
  usage(() => parseEsConfig({ l2: -1 }), /^es\.l2: got -1; /);
  usage(() => parseEsConfig({ sigmaa: 1 }), /^es: unknown field\(s\) "sigmaa"/);
  usage(() => parseEsConfig({ populationSize: 'ten' }), /^es\.populationSize: got "ten"; expected number/);
});

test('init: noise table smaller than P is a UsageError naming both numbers', () => {
  usage(() => init({ noiseTableSize: 999 }, new Float32Array(1000)), /noiseTableSize = 999 .*P = 1000/);
  usage(() => init({}, new Float32Array(0)), /P = 0/);
});

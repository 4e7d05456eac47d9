// Tests of the ES config: every default, and one-line UsageErrors naming field, value and what is
// allowed for the bad values the brief lists (sigma <= 0, N < 2, odd N when mirrored, table < P).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_ES_CONFIG,
  defaultNoiseTableSize,
  optimizerConfig,
  parseEsConfig,
} from '../../src/es/config.ts';
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
    population: 10_000,
    sigma: 0.002,
    mirrored: true,
    fitness: 'raw',
    seed: 0,
    batch: 50,
    optimizer: 'adam',
    lr: 0.001,
    l2: 0,
    limited: false,
    bucketSize: 5000,
    noMinibatch: false,
    subsetSize: 50,
  });
  assert.deepEqual(optimizerConfig(parseEsConfig({ sigma: 0.01, optimizer: 'sgd', lr: 0.1 })), {
    name: 'sgd',
    lr: 0.1,
  });
  assert.deepEqual(optimizerConfig(DEFAULT_ES_CONFIG), {
    name: 'adam',
    lr: 0.001,
    b1: 0.9,
    b2: 0.999,
    eps: 1e-8,
  });
  assert.deepEqual(parseEsConfig(parseEsConfig({ population: 4 })), {
    ...DEFAULT_ES_CONFIG,
    population: 4,
  });
});

test('bad values name the field, the value and what is allowed', () => {
  usage(() => parseEsConfig({ sigma: 0 }), /^es\.sigma: got 0; .*>0/);
  usage(() => parseEsConfig({ sigma: -0.5 }), /^es\.sigma: got -0\.5; /);
  usage(() => parseEsConfig({ population: 1 }), /^es\.population: got 1; .*>=2/);
  usage(
    () => parseEsConfig({ population: 7 }),
    /^es\.population: got 7; must be even with mirrored sampling/,
  );
  parseEsConfig({ population: 7, mirrored: false });
  usage(() => parseEsConfig({ fitness: 'ranks' }), /^es\.fitness: got "ranks"; .*"raw"\|"centered-ranks"/);
  usage(() => parseEsConfig({ lr: 0 }), /^es\.lr: got 0; /);
  usage(() => parseEsConfig({ seed: 2 ** 32 }), /^es\.seed: got 4294967296; /);
  usage(() => parseEsConfig({ l2: -1 }), /^es\.l2: got -1; /);
  usage(() => parseEsConfig({ sigmaa: 1 }), /^es: unknown field\(s\) "sigmaa"/);
  usage(() => parseEsConfig({ population: 'ten' }), /^es\.population: got "ten"; expected number/);
});

test('init: noise table smaller than P is a UsageError naming both numbers', () => {
  usage(() => init({ noiseTableSize: 999 }, new Float32Array(1000)), /noiseTableSize = 999 .*P = 1000/);
  usage(() => init({}, new Float32Array(0)), /P = 0/);
});

test('the noise table is sized from P unless the config says otherwise', () => {
  // 1,024·P rounded up to a power of two, at most 2^25 (the built-in networks keep 2^25).
  assert.equal(defaultNoiseTableSize(100), 131_072);
  assert.equal(defaultNoiseTableSize(1000), 1_048_576);
  assert.equal(defaultNoiseTableSize(16_384), 2 ** 24);
  assert.equal(defaultNoiseTableSize(16_385), 2 ** 25);
  assert.equal(defaultNoiseTableSize(3_274_634), 2 ** 25);
  assert.equal(init({}, new Float32Array(100)).config.noiseTableSize, 131_072);
  assert.equal(init({ noiseTableSize: 5000 }, new Float32Array(100)).config.noiseTableSize, 5000);
});

// Tests of the shared noise table: a golden checksum (bit-identical across runs and processes),
// normal moments, seed behaviour, the prefix property, shared buffers and the size check.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { checkNoiseTableSize, createNoiseTable, NOISE_BLOCK_SIZE } from '../../src/rng/noise-table.ts';
import { createRng, hashSeed, nextU32 } from '../../src/rng/prng.ts';
import { UsageError } from '../../src/types.ts';

const sha256 = (t: Float32Array) =>
  createHash('sha256')
    .update(new Uint8Array(t.buffer, t.byteOffset, t.byteLength))
    .digest('hex');

test('golden checksum: 1,000,000 floats for seed 42 (computed once, hard-coded)', () => {
  const t = createNoiseTable(42, 1_000_000);
  assert.equal(sha256(t), 'd14792ff86349975b95d3352877aa3d3a6052a0cb524badf8725e9a0dab1607d');
  assert.deepEqual(Array.from(t.subarray(0, 2)), [-1.1327106952667236, -0.06666044145822525]);
});

test('moments of a standard normal within sampling bounds (n = 1e6, 5 standard errors)', () => {
  const t = createNoiseTable(42, 1_000_000);
  const n = t.length;
  let s1 = 0,
    s2 = 0,
    s4 = 0,
    inside1 = 0;
  for (let i = 0; i < n; i++) {
    const x = t[i]!;
    s1 += x;
    s2 += x * x;
    s4 += x ** 4;
    if (Math.abs(x) < 1) inside1++;
  }
  const mean = s1 / n,
    m2 = s2 / n,
    m4 = s4 / n,
    p1 = inside1 / n;
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`); // sd 1/sqrt(n)
  assert.ok(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n), `E[x^2] ${m2}`); // Var(x^2) = 2
  assert.ok(Math.abs(m4 - 3) < 5 * Math.sqrt(96 / n), `E[x^4] ${m4}`); // Var(x^4) = 105 - 9 = 96
  const pExp = 0.6826894921370859; // P(|x| < 1)
  assert.ok(Math.abs(p1 - pExp) < 5 * Math.sqrt((pExp * (1 - pExp)) / n), `P(|x|<1) ${p1}`);
});

test('same seed -> identical bytes; different seed -> different; a table is a prefix of a longer one', () => {
  const a = createNoiseTable(7, 200_000);
  const b = createNoiseTable(7, 200_000);
  assert.equal(sha256(a), sha256(b));
  const c = createNoiseTable(8, 200_000);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === c[i]) same++;
  assert.ok(same < 10, `${same} equal values across seeds`);
  const short = createNoiseTable(7, 3 * NOISE_BLOCK_SIZE + 5);
  assert.deepEqual(short, a.subarray(0, short.length));
});

test('matches a slow reference built on prng.nextU32 (block b from hashSeed(seed, 0x4e015e, b), polar method)', () => {
  const seed = 3,
    size = NOISE_BLOCK_SIZE + 1001;
  const ref = new Float32Array(size);
  for (let start = 0, b = 0; start < size; start += NOISE_BLOCK_SIZE, b++) {
    const rng = createRng(hashSeed(seed, 0x4e015e, b));
    const end = Math.min(size, start + NOISE_BLOCK_SIZE);
    for (let i = start; i < end; ) {
      const u = (nextU32(rng) + 0.5) / 2 ** 31 - 1;
      const v = (nextU32(rng) + 0.5) / 2 ** 31 - 1;
      const q = u * u + v * v;
      if (q >= 1) continue;
      const m = Math.sqrt((-2 * Math.log(q)) / q);
      ref[i++] = u * m;
      if (i < end) ref[i++] = v * m;
    }
  }
  assert.deepEqual(createNoiseTable(seed, size), ref);
});

test('generates into a given SharedArrayBuffer; rejects a buffer that is too small', () => {
  const sab = new SharedArrayBuffer(4 * 1000 + 8);
  const t = createNoiseTable(42, 1000, sab);
  assert.equal(t.buffer, sab);
  assert.equal(t.length, 1000);
  assert.deepEqual(new Float32Array(sab, 0, 1000), createNoiseTable(42, 1000)); // a second view sees the values
  assert.throws(() => createNoiseTable(42, 1000, new SharedArrayBuffer(3996)), UsageError);
  assert.throws(() => createNoiseTable(42, 0), UsageError);
});

test('checkNoiseTableSize: size >= P, else a UsageError naming both numbers', () => {
  checkNoiseTableSize(3_274_634, 3_274_634);
  checkNoiseTableSize(2 ** 25, 3_274_634);
  assert.throws(
    () => checkNoiseTableSize(1_000_000, 3_274_634),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /noiseTableSize = 1000000 .*P = 3274634/);
      return true;
    },
  );
});

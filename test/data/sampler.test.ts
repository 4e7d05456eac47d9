// Tests of the seeded samplers: determinism, the documented epoch permutation, epoch coverage,
// batches straddling two epochs, random subsets, gathering, and size validation.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  batchIndices,
  epochPermutation,
  gatherBatch,
  gatherBatchInto,
  subsetIndices,
} from '../../src/data/sampler.ts';
import type { Split } from '../../src/data/types.ts';
import { createRng, hashSeed, shuffleInPlace } from '../../src/rng/prng.ts';
import { UsageError } from '../../src/types.ts';

function concat(parts: Int32Array[]): number[] {
  return parts.flatMap((p) => Array.from(p));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

describe('batchIndices', () => {
  it('is a pure function of (seed, iteration, batchSize, n)', () => {
    const a = batchIndices(7, 123, 50, 22699);
    // Other calls in between (other seeds, epochs) must not change the answer.
    batchIndices(8, 0, 50, 22699);
    batchIndices(7, 999, 50, 22699);
    a[0] = -1; // mutating a returned batch must not leak into later calls
    const b = batchIndices(7, 123, 50, 22699);
    assert.notEqual(b[0], -1);
    assert.deepEqual(b, batchIndices(7, 123, 50, 22699));
    assert.notDeepEqual(b, batchIndices(8, 123, 50, 22699));
    assert.notDeepEqual(b, batchIndices(7, 124, 50, 22699));
  });

  it('epoch e is Fisher-Yates with createRng(hashSeed(seed, 0xBA7C, e))', () => {
    for (const e of [0, 1, 5]) {
      const expected = new Int32Array(range(1000));
      shuffleInPlace(createRng(hashSeed(42, 0xba7c, e)), expected);
      assert.deepEqual(epochPermutation(42, e, 1000), expected);
    }
    assert.deepEqual(batchIndices(42, 3, 10, 1000), epochPermutation(42, 0, 1000).subarray(30, 40));
    assert.deepEqual(batchIndices(42, 100, 10, 1000), epochPermutation(42, 1, 1000).subarray(0, 10));
  });

  it("one epoch's batches cover every index exactly once", () => {
    const n = 100,
      B = 10;
    const epoch0 = concat(range(n / B).map((t) => batchIndices(3, t, B, n)));
    assert.deepEqual(
      [...epoch0].sort((x, y) => x - y),
      range(n),
    );
    const epoch1 = concat(range(n / B).map((t) => batchIndices(3, n / B + t, B, n)));
    assert.deepEqual(
      [...epoch1].sort((x, y) => x - y),
      range(n),
    );
    assert.notDeepEqual(epoch0, epoch1);
  });

  it('every n consecutive samples are a permutation even when batches straddle epochs', () => {
    const n = 103,
      B = 10; // 103 batches = exactly 10 epochs
    const stream = concat(range(103).map((t) => batchIndices(11, t, B, n)));
    for (let e = 0; e < 10; e++) {
      const slice = stream.slice(e * n, (e + 1) * n);
      assert.deepEqual(
        slice.sort((x, y) => x - y),
        range(n),
        `epoch ${e}`,
      );
    }
  });

  it('a straddling batch is the tail of one epoch and the head of the next', () => {
    const n = 103,
      B = 10;
    const batch = batchIndices(5, 10, B, n); // samples 100..109
    const p0 = epochPermutation(5, 0, n),
      p1 = epochPermutation(5, 1, n);
    assert.deepEqual(Array.from(batch), [...p0.subarray(100, 103), ...p1.subarray(0, 7)]);
  });

  it('batch size n returns the whole epoch permutation', () => {
    assert.deepEqual(batchIndices(1, 4, 50, 50), epochPermutation(1, 4, 50));
  });

  it('validates the batch size against the training set', () => {
    assert.throws(
      () => batchIndices(1, 0, 70000, 22699),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === 'batch size 70000 is larger than the training set (22,699 images)',
    );
    assert.throws(() => batchIndices(1, 0, 0, 100), /batch size must be an integer >= 1, got 0/);
    assert.throws(() => batchIndices(1, 0, 2.5, 100), UsageError);
    assert.throws(() => batchIndices(1, -1, 10, 100), /iteration must be an integer >= 0/);
  });
});

describe('subsetIndices', () => {
  it('gives `size` distinct in-range indices, deterministically per seed', () => {
    const s = subsetIndices(99, 500, 22699);
    assert.equal(s.length, 500);
    assert.equal(new Set(s).size, 500);
    for (const i of s) assert.ok(i >= 0 && i < 22699);
    assert.deepEqual(s, subsetIndices(99, 500, 22699));
    assert.notDeepEqual(s, subsetIndices(100, 500, 22699));
  });

  it('size n is a permutation of everything', () => {
    assert.deepEqual(
      Array.from(subsetIndices(4, 64, 64)).sort((x, y) => x - y),
      range(64),
    );
  });

  it('is roughly uniform over indices', () => {
    const n = 10,
      size = 3,
      seeds = 20000;
    const hits = new Array<number>(n).fill(0);
    for (let seed = 0; seed < seeds; seed++)
      for (const i of subsetIndices(seed, size, n)) hits[i] = hits[i]! + 1;
    const expected = (seeds * size) / n;
    for (const h of hits) assert.ok(Math.abs(h - expected) < 0.05 * expected, `hits ${hits.join(',')}`);
  });

  it('validates the size', () => {
    assert.throws(
      () => subsetIndices(1, 101, 100),
      /subset size 101 is larger than the training set \(100 images\)/,
    );
    assert.throws(() => subsetIndices(1, 0, 100), UsageError);
  });
});

describe('gatherBatch', () => {
  const split: Split = {
    imagesNxHxW: Float32Array.from(range(5 * 6), (v) => v / 100),
    labelsN: Int32Array.from([4, 3, 2, 1, 0]),
    count: 5,
    channels: 1,
    rows: 2,
    cols: 3,
  };

  it('copies the chosen images and labels into a fresh Batch', () => {
    const batch = gatherBatch(split, Int32Array.from([3, 0, 3]));
    assert.equal(batch.count, 3);
    assert.deepEqual(Array.from(batch.labelsB), [1, 4, 1]);
    assert.deepEqual(batch.imagesBxHxW.subarray(0, 6), split.imagesNxHxW.subarray(18, 24));
    assert.deepEqual(batch.imagesBxHxW.subarray(6, 12), split.imagesNxHxW.subarray(0, 6));
    batch.imagesBxHxW[0] = 123;
    assert.notEqual(split.imagesNxHxW[18], 123);
  });

  it('fills preallocated buffers and rejects bad indices or sizes', () => {
    const images = new Float32Array(12),
      labels = new Int32Array(2);
    gatherBatchInto(split, Int32Array.from([4, 1]), images, labels);
    assert.deepEqual(Array.from(labels), [0, 3]);
    assert.equal(images[0], split.imagesNxHxW[24]);
    assert.throws(() => gatherBatch(split, Int32Array.from([5])), /index 5 at position 0 is outside 0..4/);
    assert.throws(() => gatherBatch(split, Int32Array.from([-1])), RangeError);
    assert.throws(() => gatherBatchInto(split, Int32Array.from([0]), images, labels), RangeError);
  });
});

describe('gatherBatch on a 3-channel split', () => {
  // 7 images of 3 channels x 2 rows x 4 cols; each value encodes (image, channel, row, col).
  const [N, C, H, W] = [7, 3, 2, 4];
  const value = (i: number, c: number, r: number, w: number) => i * 1000 + c * 100 + r * 10 + w;
  const imagesNxHxW = new Float32Array(N * C * H * W);
  for (let i = 0; i < N; i++)
    for (let c = 0; c < C; c++)
      for (let r = 0; r < H; r++)
        for (let w = 0; w < W; w++) imagesNxHxW[((i * C + c) * H + r) * W + w] = value(i, c, r, w);
  const split: Split = {
    imagesNxHxW,
    labelsN: Int32Array.from(range(N), (i) => i % 4),
    count: N,
    channels: C,
    rows: H,
    cols: W,
  };

  it('copies C·H·W pixels per chosen example, channel-major', () => {
    const indices = Int32Array.from([6, 2, 2, 0]);
    const batch = gatherBatch(split, indices);
    assert.equal(batch.imagesBxHxW.length, 4 * C * H * W);
    for (const [b, i] of Array.from(indices).entries()) {
      assert.equal(batch.labelsB[b], i % 4);
      for (let c = 0; c < C; c++)
        for (let r = 0; r < H; r++)
          for (let w = 0; w < W; w++) {
            assert.equal(batch.imagesBxHxW[((b * C + c) * H + r) * W + w], value(i, c, r, w));
          }
    }
  });

  it('gatherBatchInto wants buffers of B·C·H·W floats', () => {
    const images = new Float32Array(2 * C * H * W);
    gatherBatchInto(split, Int32Array.from([5, 1]), images, new Int32Array(2));
    assert.equal(images[C * H * W], value(1, 0, 0, 0));
    assert.equal(images[C * H * W - 1], value(5, C - 1, H - 1, W - 1));
    assert.throws(
      () => gatherBatchInto(split, Int32Array.from([5, 1]), new Float32Array(2 * H * W), new Int32Array(2)),
      /need 48 \/ 2/,
    );
  });
});

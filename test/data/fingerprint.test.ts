// Tests of dataFingerprint: the documented byte stream (checked with an independent sha256 over
// Buffers), equality across copies and shared memory, and a change for any pixel, label or shape.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { dataFingerprint } from '../../src/data/fingerprint.ts';
import type { Split } from '../../src/data/types.ts';

function makeSplit(): Split {
  const [count, channels, rows, cols] = [4, 3, 2, 2];
  return {
    imagesNxHxW: Float32Array.from({ length: count * channels * rows * cols }, (_, k) => k / 7),
    labelsN: Int32Array.from([1, 0, 3, 2]),
    count,
    channels,
    rows,
    cols,
  };
}

describe('dataFingerprint', () => {
  it('is sha256 of count, channels, rows, cols (uint32 LE), the float32 images and int32 labels', () => {
    const split = makeSplit();
    const header = Buffer.alloc(16);
    header.writeUInt32LE(4, 0);
    header.writeUInt32LE(3, 4);
    header.writeUInt32LE(2, 8);
    header.writeUInt32LE(2, 12);
    const images = Buffer.alloc(4 * split.imagesNxHxW.length);
    for (const [k, v] of split.imagesNxHxW.entries()) images.writeFloatLE(v, 4 * k);
    const labels = Buffer.alloc(4 * 4);
    for (const [k, v] of split.labelsN.entries()) labels.writeInt32LE(v, 4 * k);
    const expected = createHash('sha256')
      .update(Buffer.concat([header, images, labels]))
      .digest('hex');
    assert.equal(dataFingerprint(split), expected);
  });

  it('is the same for a copy, a view into a larger buffer and shared memory', () => {
    const split = makeSplit();
    const big = new Float32Array(split.imagesNxHxW.length + 5);
    big.set(split.imagesNxHxW, 3);
    const shared = new Float32Array(new SharedArrayBuffer(split.imagesNxHxW.byteLength));
    shared.set(split.imagesNxHxW);
    const fp = dataFingerprint(split);
    assert.equal(dataFingerprint({ ...split, imagesNxHxW: split.imagesNxHxW.slice() }), fp);
    assert.equal(
      dataFingerprint({ ...split, imagesNxHxW: big.subarray(3, 3 + split.imagesNxHxW.length) }),
      fp,
    );
    assert.equal(dataFingerprint({ ...split, imagesNxHxW: shared }), fp);
  });

  it('changes when one pixel, one label or the shape changes', () => {
    const split = makeSplit();
    const fp = dataFingerprint(split);
    const pixel = split.imagesNxHxW.slice();
    pixel[29] = pixel[29]! + 0.25;
    assert.notEqual(dataFingerprint({ ...split, imagesNxHxW: pixel }), fp);
    const label = split.labelsN.slice();
    label[3] = 0;
    assert.notEqual(dataFingerprint({ ...split, labelsN: label }), fp);
    // The same floats read as 1 channel of 6x2 instead of 3 channels of 2x2.
    assert.notEqual(dataFingerprint({ ...split, channels: 1, rows: 6 }), fp);
  });
});

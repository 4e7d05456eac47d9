// Tests of datasetFromArrays: uint8 and float32 images with any channels, labels as Int32Array or a
// plain array, the Dataset's fields, copies, and one-line errors for every inconsistency.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetFromArrays } from '../../src/data/arrays.ts';
import { throwsData } from './fixtures.ts';

describe('datasetFromArrays', () => {
  it('uint8 images become pixel / 255; counts come from lengths and shapes', () => {
    const train = Uint8Array.from({ length: 4 * 3 * 2 * 2 }, (_, k) => (k * 9) % 256);
    const test = Uint8Array.from({ length: 2 * 3 * 2 * 2 }, (_, k) => 255 - k);
    const ds = datasetFromArrays({
      name: 'tiny-rgb',
      train: { images: train, labels: [0, 2, 1, 2], shape: [3, 2, 2] },
      test: { images: test, labels: Int32Array.from([4, 0]), shape: [3, 2, 2] },
    });
    assert.equal(ds.name, 'tiny-rgb');
    assert.equal(ds.label, 'tiny-rgb (4 train, 2 test)');
    assert.equal(ds.source, 'memory');
    assert.equal(ds.dir, '');
    assert.equal(ds.classes, 5);
    assert.deepEqual([ds.train.count, ds.train.channels, ds.train.rows, ds.train.cols], [4, 3, 2, 2]);
    assert.equal(ds.test.count, 2);
    assert.deepEqual(
      Array.from(ds.train.imagesNxHxW),
      Array.from(train, (p) => Math.fround(p / 255)),
    );
    assert.deepEqual(Array.from(ds.train.labelsN), [0, 2, 1, 2]);
    assert.ok(ds.train.labelsN instanceof Int32Array);
  });

  it('float32 images are kept as given and copied; the name defaults to "arrays"', () => {
    const images = Float32Array.from([0.5, -3, 2, 7, 1e-4, 9]);
    const ds = datasetFromArrays({
      train: { images, labels: [1, 0, 1], shape: [1, 1, 2] },
      test: { images: Float32Array.from([1, 2]), labels: [0], shape: [1, 1, 2] },
    });
    assert.equal(ds.label, 'arrays (3 train, 1 test)');
    assert.deepEqual(ds.train.imagesNxHxW, images);
    images[0] = 42;
    assert.equal(ds.train.imagesNxHxW[0], 0.5);
  });

  it('refuses inconsistent arrays with one line naming the split', () => {
    const ok = { images: new Uint8Array(8), labels: [0, 1], shape: [1, 2, 2] as [number, number, number] };
    const bad =
      (train: object, test: object = ok) =>
      () =>
        datasetFromArrays({ train, test } as Parameters<typeof datasetFromArrays>[0]);
    throwsData(bad({ ...ok, shape: [1, 2] }), 'train images: shape must be [channels, rows, cols]');
    throwsData(bad({ ...ok, shape: [1, 0, 2] }), 'train images: shape must be');
    throwsData(bad({ ...ok, shape: [1.5, 2, 2] }), 'train images: shape must be');
    throwsData(
      bad({ ...ok, images: new Float64Array(8) }),
      'train images: must be a Float32Array or a Uint8Array',
    );
    throwsData(
      bad({ ...ok, images: new Uint8Array(7) }),
      'train images: 7 values are not a whole number of 1x2x2 images',
    );
    throwsData(bad({ ...ok, labels: [0] }), 'train images holds 2 images but train labels holds 1 labels');
    throwsData(bad({ ...ok, images: new Uint8Array(0), labels: [] }), 'train images: holds no images');
    throwsData(bad(ok, { ...ok, labels: [0, -2] }), 'test labels: label -2 at index 1 is negative');
    throwsData(bad(ok, { ...ok, labels: [0, 1.5] }), 'test labels: label 1.5 at index 1 is not an integer');
    throwsData(
      bad(ok, { ...ok, images: Float32Array.from([0, 0, 0, 0, 0, 0, Number.NaN, 0]) }),
      'test images: pixel 6 is NaN',
    );
    throwsData(
      bad(ok, { images: new Uint8Array(24), labels: [0, 1], shape: [3, 2, 2] }),
      'test images are 3x2x2 but train images are 2x2',
    );
    throwsData(
      () => datasetFromArrays({ name: '', train: ok, test: ok }),
      'dataset name must be a non-empty string',
    );
  });
});

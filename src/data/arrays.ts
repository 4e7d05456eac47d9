// A Dataset from arrays in memory (the library's way to bring one's own data): images as uint8 (-> /255)
// or float32 with a [channels, rows, cols] shape, integer labels; validated like files, copied.

import { userDataset } from './data-dir.ts';
import { DataError, formatCount } from './errors.ts';
import { checkFinitePixels, formatImageSize, makeSplit, toLabels, toUnitFloat } from './split.ts';
import type { Dataset, Split } from './types.ts';

/** One split in memory: N images row-major [N, C, H, W] and N labels. */
export interface ArraySplit {
  readonly images: Float32Array | Uint8Array;
  readonly labels: Int32Array | ArrayLike<number>;
  /** [channels, rows, cols] of one image. */
  readonly shape: readonly [number, number, number];
}

export interface DatasetArrays {
  /** Dataset name (default "arrays"); its label is "<name> (N train, M test)". */
  readonly name?: string;
  readonly train: ArraySplit;
  readonly test: ArraySplit;
}

function splitFromArrays(arrays: ArraySplit, what: 'train' | 'test'): Split {
  const imagesWhat = `${what} images`;
  const labelsWhat = `${what} labels`;
  const { images, labels, shape } = arrays;
  const shapeOk =
    Array.isArray(shape) && shape.length === 3 && shape.every((d) => Number.isSafeInteger(d) && d > 0);
  if (!shapeOk) {
    throw new DataError(
      `${imagesWhat}: shape must be [channels, rows, cols] of positive integers, found ${JSON.stringify(shape)}`,
    );
  }
  const [channels, rows, cols] = shape;
  if (!(images instanceof Float32Array || images instanceof Uint8Array)) {
    throw new DataError(`${imagesWhat}: must be a Float32Array or a Uint8Array`);
  }
  const chw = channels * rows * cols;
  if (images.length % chw !== 0) {
    throw new DataError(
      `${imagesWhat}: ${formatCount(images.length)} values are not a whole number of ${channels}x${rows}x${cols} images`,
    );
  }
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new DataError(`${labelsWhat}: must be an Int32Array or an array of integers`);
  }
  let imagesNxHxW: Float32Array;
  if (images instanceof Uint8Array) imagesNxHxW = toUnitFloat(images);
  else {
    imagesNxHxW = images.slice();
    checkFinitePixels(imagesNxHxW, imagesWhat);
  }
  const stack = { imagesNxHxW, count: images.length / chw, channels, rows, cols };
  return makeSplit(stack, toLabels(labels, labelsWhat), imagesWhat, labelsWhat);
}

/**
 * A Dataset from arrays in memory: counts come from the image lengths and shapes, which train and test
 * must share; classes = 1 + the largest label; source 'memory', dir ''. The arrays are copied.
 */
export function datasetFromArrays(arrays: DatasetArrays): Dataset {
  const name = arrays.name ?? 'arrays';
  if (typeof name !== 'string' || name === '') throw new DataError('dataset name must be a non-empty string');
  const train = splitFromArrays(arrays.train, 'train');
  const test = splitFromArrays(arrays.test, 'test');
  if (train.channels !== test.channels || train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      `test images are ${formatImageSize(test)} but train images are ${formatImageSize(train)}`,
    );
  }
  return userDataset(name, train, test, { dir: '', source: 'memory' });
}

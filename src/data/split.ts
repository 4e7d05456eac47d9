// Building and checking Splits from decoded images and labels, shared by the IDX, .npy and in-memory
// readers: image shapes, pixel and label conversion, counts, train/test agreement, number of classes.

import { DataError, formatCount } from './errors.ts';
import type { Split } from './types.ts';

/** Images without labels: float32 row-major [count, channels, rows, cols]. */
export interface ImageStack {
  readonly imagesNxHxW: Float32Array;
  readonly count: number;
  readonly channels: number;
  readonly rows: number;
  readonly cols: number;
}

export interface ImageShape {
  readonly count: number;
  readonly channels: number;
  readonly rows: number;
  readonly cols: number;
}

/** Largest label a Split holds (labels are Int32Array). */
export const MAX_LABEL = 2 ** 31 - 1;

/** "(3, 28, 28)", as numpy prints a shape. */
export function formatShape(dims: readonly number[]): string {
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/** "28x28" for one channel, else "3x32x32". */
export function formatImageSize(s: { channels: number; rows: number; cols: number }): string {
  return s.channels === 1 ? `${s.rows}x${s.cols}` : `${s.channels}x${s.rows}x${s.cols}`;
}

/**
 * Reads an image array's shape: N×H×W (one channel) or N×C×H×W. A 4-dim shape whose last dim is 1, 3 or
 * 4 while its second is larger looks channels-last (N×H×W×C, as Keras saves) and is refused with the fix.
 */
export function imageShape(dims: readonly number[], source: string): ImageShape {
  if (dims.length !== 3 && dims.length !== 4) {
    throw new DataError(`${source}: images must have shape N×H×W or N×C×H×W, found ${formatShape(dims)}`);
  }
  const [count, ...rest] = dims as [number, ...number[]];
  const [channels, rows, cols] =
    rest.length === 2 ? [1, rest[0]!, rest[1]!] : (rest as [number, number, number]);
  if (rest.length === 3 && [1, 3, 4].includes(cols) && channels > 4) {
    throw new DataError(
      `${source}: images of shape ${formatShape(dims)} look channels-last (N×H×W×C); esgrad reads N×C×H×W: save x.transpose(0, 3, 1, 2)`,
    );
  }
  if (count === 0) throw new DataError(`${source}: holds no images`);
  if (channels === 0 || rows === 0 || cols === 0) {
    throw new DataError(`${source}: images of shape ${formatShape(dims)} hold no pixels`);
  }
  return { count, channels, rows, cols };
}

/** Pixels 0..255 -> float32 in [0, 1] (pixel / 255). */
export function toUnitFloat(pixelsU8: Uint8Array): Float32Array {
  const out = new Float32Array(pixelsU8.length);
  for (let i = 0; i < pixelsU8.length; i++) out[i] = pixelsU8[i]! / 255;
  return out;
}

/** Float pixels are used as given, but NaN or ±Infinity would poison every loss: refused. */
export function checkFinitePixels(pixels: Float32Array, source: string): void {
  for (let i = 0; i < pixels.length; i++) {
    if (!Number.isFinite(pixels[i]!)) {
      throw new DataError(`${source}: pixel ${i} is ${pixels[i]} (pixels must be finite numbers)`);
    }
  }
}

/** Checks one label value (an integer 0..2^31-1, below numClasses when given) at index i. */
export function checkLabel(v: number | bigint, i: number, source: string, numClasses?: number): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new DataError(`${source}: label ${v} at index ${i} is not an integer`);
  if (n < 0) throw new DataError(`${source}: label ${v} at index ${i} is negative`);
  if (numClasses !== undefined && n >= numClasses) {
    throw new DataError(`${source}: label ${v} at index ${i} is outside 0..${numClasses - 1}`);
  }
  if (n > MAX_LABEL) throw new DataError(`${source}: label ${v} at index ${i} is larger than 2^31-1`);
  return n;
}

/** Labels from any array of numbers or bigints, each checked by checkLabel. */
export function toLabels(
  values: ArrayLike<number | bigint>,
  source: string,
  numClasses?: number,
): Int32Array {
  const labelsN = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) labelsN[i] = checkLabel(values[i]!, i, source, numClasses);
  return labelsN;
}

/** Images and labels files must describe the same number of examples. */
export function checkSameCount(
  imagesCount: number,
  imagesPath: string,
  labelsCount: number,
  labelsPath: string,
): void {
  if (imagesCount !== labelsCount) {
    throw new DataError(
      `${imagesPath} holds ${formatCount(imagesCount)} images but ${labelsPath} holds ${formatCount(labelsCount)} labels`,
    );
  }
}

/** A Split from images and their labels (same count, checked; at least one example). */
export function makeSplit(
  images: ImageStack,
  labelsN: Int32Array,
  imagesSource: string,
  labelsSource: string,
): Split {
  checkSameCount(images.count, imagesSource, labelsN.length, labelsSource);
  if (images.count === 0) throw new DataError(`${imagesSource}: holds no images`);
  const { imagesNxHxW, count, channels, rows, cols } = images;
  if (imagesNxHxW.length !== count * channels * rows * cols) {
    throw new DataError(
      `${imagesSource}: ${formatCount(imagesNxHxW.length)} pixels do not make ${count} images of ${formatImageSize(images)}`,
    );
  }
  return { imagesNxHxW, labelsN, count, channels, rows, cols };
}

/** Train and test images must have the same channels, rows and cols. */
export function checkSameImageSize(train: Split, trainSource: string, test: Split, testSource: string): void {
  if (train.channels !== test.channels || train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      `${testSource}: test images are ${formatImageSize(test)} but train images (${trainSource}) are ${formatImageSize(train)}`,
    );
  }
}

/** Number of classes of a dataset: 1 + its largest label (train or test). */
export function classCount(train: Split, test: Split): number {
  let max = 0;
  for (const labelsN of [train.labelsN, test.labelsN]) {
    for (let i = 0; i < labelsN.length; i++) if (labelsN[i]! > max) max = labelsN[i]!;
  }
  return max + 1;
}

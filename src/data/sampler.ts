// Seeded mini-batch sampling as pure functions of ints (seed, iteration, sizes), so a resumed or
// distributed run rebuilds any batch from a few numbers; plus copying the chosen examples into a Batch.

import { createRng, hashSeed, nextInt, shuffleInPlace } from '../rng/prng.ts';
import type { Batch } from '../types.ts';
import { UsageError } from '../types.ts';
import { formatCount } from './errors.ts';
import type { Split } from './types.ts';

/** Stream ids mixed into the seed so batch and subset streams never coincide with other streams. */
const EPOCH_STREAM = 0xba7c;
const SUBSET_STREAM = 0x5b5e7;

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) {
    throw new UsageError(`${name} must be an integer >= ${min}, got ${v}`);
  }
}

function checkSize(what: string, size: number, n: number): void {
  checkInt('training set size', n, 1);
  checkInt(what, size, 1);
  if (size > n) {
    throw new UsageError(`${what} ${size} is larger than the training set (${formatCount(n)} images)`);
  }
}

// A few recent epoch permutations, so consecutive iterations do not reshuffle n indices each time.
// Transparent: entries are never handed out, only copied from.
const CACHE_SIZE = 4;
const permCache: { seed: number; epoch: number; n: number; permN: Int32Array }[] = [];

function cachedPermutation(seed: number, epoch: number, n: number): Int32Array {
  const hit = permCache.find((e) => e.seed === seed && e.epoch === epoch && e.n === n);
  if (hit !== undefined) return hit.permN;
  const permN = new Int32Array(n);
  for (let i = 0; i < n; i++) permN[i] = i;
  shuffleInPlace(createRng(hashSeed(seed, EPOCH_STREAM, epoch)), permN);
  permCache.unshift({ seed, epoch, n, permN });
  if (permCache.length > CACHE_SIZE) permCache.pop();
  return permN;
}

/** The permutation of 0..n-1 used for epoch `epoch`: Fisher-Yates with createRng(hashSeed(seed, 0xBA7C, epoch)). */
export function epochPermutation(seed: number, epoch: number, n: number): Int32Array {
  checkInt('epoch', epoch, 0);
  checkInt('training set size', n, 1);
  return cachedPermutation(seed, epoch, n).slice();
}

/**
 * Indices of mini-batch `iteration`: the slice [t*B, t*B+B) of the concatenation of the epoch
 * permutations (so one epoch's batches cover every index once; a batch may straddle two epochs).
 */
export function batchIndices(seed: number, iteration: number, batchSize: number, n: number): Int32Array {
  checkSize('batch size', batchSize, n);
  checkInt('iteration', iteration, 0);
  const start = iteration * batchSize;
  if (!Number.isSafeInteger(start + batchSize)) throw new UsageError(`iteration ${iteration} is too large`);
  const epoch = Math.floor(start / n);
  const offset = start - epoch * n;
  const outB = new Int32Array(batchSize);
  const first = cachedPermutation(seed, epoch, n);
  const fromFirst = Math.min(batchSize, n - offset);
  outB.set(first.subarray(offset, offset + fromFirst), 0);
  if (fromFirst < batchSize) {
    const second = cachedPermutation(seed, epoch + 1, n);
    outB.set(second.subarray(0, batchSize - fromFirst), fromFirst);
  }
  return outB;
}

/**
 * `size` distinct indices in 0..n-1 drawn uniformly (Floyd's algorithm, O(size)), from subsetSeed
 * alone: each offspring of no-mini-batch ES evaluates on its own subset.
 */
export function subsetIndices(subsetSeed: number, size: number, n: number): Int32Array {
  checkSize('subset size', size, n);
  const rng = createRng(hashSeed(subsetSeed, SUBSET_STREAM));
  const chosen = new Set<number>();
  const outS = new Int32Array(size);
  let k = 0;
  for (let j = n - size; j < n; j++) {
    const t = nextInt(rng, j + 1);
    const pick = chosen.has(t) ? j : t;
    chosen.add(pick);
    outS[k++] = pick;
  }
  return outS;
}

/** Floats per example of a split: channels · rows · cols. */
export function exampleSize(split: Pick<Split, 'channels' | 'rows' | 'cols'>): number {
  return split.channels * split.rows * split.cols;
}

/**
 * Copies the chosen examples into caller-provided buffers (hot paths reuse them): C·H·W floats per
 * example, so imagesBxHxW is row-major [B, C, H, W].
 */
export function gatherBatchInto(
  split: Split,
  indicesB: Int32Array,
  imagesBxHxW: Float32Array,
  labelsB: Int32Array,
): void {
  const chw = exampleSize(split);
  const count = indicesB.length;
  if (imagesBxHxW.length !== count * chw || labelsB.length !== count) {
    throw new RangeError(
      `gatherBatchInto: buffers hold ${imagesBxHxW.length} pixels / ${labelsB.length} labels, need ${count * chw} / ${count}`,
    );
  }
  for (let b = 0; b < count; b++) {
    const i = indicesB[b]!;
    if (!(i >= 0 && i < split.count)) {
      throw new RangeError(`gatherBatch: index ${i} at position ${b} is outside 0..${split.count - 1}`);
    }
    imagesBxHxW.set(split.imagesNxHxW.subarray(i * chw, i * chw + chw), b * chw);
    labelsB[b] = split.labelsN[i]!;
  }
}

/** A fresh Batch holding copies of the chosen images ([B, C, H, W]) and labels. */
export function gatherBatch(split: Split, indicesB: Int32Array): Batch {
  const count = indicesB.length;
  const imagesBxHxW = new Float32Array(count * exampleSize(split));
  const labelsB = new Int32Array(count);
  gatherBatchInto(split, indicesB, imagesBxHxW, labelsB);
  return { imagesBxHxW, labelsB, count };
}

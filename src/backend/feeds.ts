// The inputs every model's sessions are fed, as zero-copy views: θ or a noise window per parameter
// tensor, a batch's pixels and one-hot labels, the K copies of a population run; and chunked evaluation.
import type { ParamLayout } from '../model/architecture.ts';
import { IO } from '../model/io.ts';
import type { Batch, Vec } from '../types.ts';
import type { LossResult, Perturbation } from './model.ts';
import { type Feeds, f32 } from './session.ts';

/** A whole split is evaluated in chunks of this many examples. */
const EVAL_CHUNK = 1000;

export function oneHot(labelsB: Int32Array, classes: number): Float32Array {
  const y = new Float32Array(labelsB.length * classes);
  for (let i = 0; i < labelsB.length; i++) y[i * classes + labelsB[i]!] = 1;
  return y;
}

/** Throws unless θ has the model's P values. */
export function checkTheta(thetaP: Vec, layout: ParamLayout, model: string): void {
  if (thetaP.length !== layout.size)
    throw new Error(`θ has ${thetaP.length} values, ${model} needs ${layout.size}`);
}

/** One zero-copy view per tensor of `layout` over `vec` from `offset`, fed as input name(tensor). */
export function paramFeeds(
  layout: ParamLayout,
  vec: Float32Array,
  offset: number,
  name: (param: string) => string,
  feeds: Feeds,
): void {
  for (const s of layout.slices)
    feeds[name(s.name)] = f32(vec.subarray(offset + s.offset, offset + s.offset + s.size), s.shape);
}

/** How a model takes a batch: the dims of one example and the number of classes. */
export interface BatchShape {
  readonly exampleDims: readonly number[];
  readonly classes: number;
}

/** x [B, ...exampleDims] (a view of the batch's pixels) and one-hot y [B, classes]. */
export function batchFeeds(batch: Batch, shape: BatchShape, x: string, y: string, feeds: Feeds): void {
  feeds[x] = f32(batch.imagesBxHxW, [batch.count, ...shape.exampleDims]);
  feeds[y] = f32(oneHot(batch.labelsB, shape.classes), [batch.count, shape.classes]);
}

/**
 * The feeds of K perturbed copies, copy k at θ + coef_k · noise[offset_k ..) on batches[k]: θ's views
 * (input thetaName(tensor)), one noise window per copy or per mirrored pair (copies 2u, 2u+1 at one
 * offset), the coefficients, and the batch once when all copies share one Batch object, else per copy;
 * `key` names the population graph these feeds fit (K, shared batch or not, pairs or not).
 */
export function populationFeeds(
  layout: ParamLayout,
  shape: BatchShape,
  thetaName: (param: string) => string,
  thetaP: Vec,
  noise: Float32Array,
  copies: readonly Perturbation[],
  batches: readonly Batch[],
): { feeds: Feeds; sharedBatch: boolean; pairs: boolean; key: string } {
  const K = copies.length;
  if (batches.length !== K) throw new Error(`populationLosses: ${K} copies but ${batches.length} batches`);
  const sharedBatch = batches.every((b) => b === batches[0]);
  const pairs = K % 2 === 0 && copies.every((c, k) => k % 2 === 0 || c.offset === copies[k - 1]!.offset);
  const feeds: Feeds = {};
  paramFeeds(layout, thetaP, 0, thetaName, feeds);
  copies.forEach((c, k) => {
    if (c.offset < 0 || c.offset + layout.size > noise.length)
      throw new Error(
        `noise offset ${c.offset} + P ${layout.size} exceeds the noise table (${noise.length})`,
      );
    if (!pairs || k % 2 === 0)
      paramFeeds(layout, noise, c.offset, (n) => IO.noise(pairs ? k / 2 : k, n), feeds);
    feeds[IO.coef(k)] = f32(Float32Array.of(c.coef), []);
  });
  if (sharedBatch) batchFeeds(batches[0]!, shape, IO.x, IO.y, feeds);
  else {
    const seen = new Map<Batch, Feeds>();
    batches.forEach((batch, k) => {
      let xy = seen.get(batch);
      if (!xy) {
        xy = {};
        batchFeeds(batch, shape, 'x', 'y', xy);
        seen.set(batch, xy);
      }
      feeds[IO.xk(k)] = xy.x!;
      feeds[IO.yk(k)] = xy.y!;
    });
  }
  const key = `population-${K}-${sharedBatch ? 'shared' : 'own'}${pairs ? '-pairs' : ''}`;
  return { feeds, sharedBatch, pairs, key };
}

/** Mean loss and accuracy over a whole split (e.g. the 10,000 test images), by `loss` in chunks. */
export async function evaluateInChunks(
  loss: (batch: Batch) => Promise<LossResult>,
  exampleSize: number,
  images: Float32Array,
  labels: Int32Array,
): Promise<{ loss: number; accuracy: number }> {
  let lossSum = 0,
    correct = 0;
  for (let start = 0; start < labels.length; start += EVAL_CHUNK) {
    const end = Math.min(labels.length, start + EVAL_CHUNK);
    const batch: Batch = {
      imagesBxHxW: images.subarray(start * exampleSize, end * exampleSize),
      labelsB: labels.subarray(start, end),
      count: end - start,
    };
    const r = await loss(batch);
    lossSum += r.loss * batch.count;
    correct += r.correct;
  }
  return { loss: lossSum / labels.length, accuracy: correct / labels.length };
}

// Lab: feeds for any population graph variant (found by its input names), all zero-copy views of
// θ and the noise table; copy k uses noise window k (or k>>1 for mirrored pairs).
import * as ort from 'onnxruntime-node';
import { type Architecture, numClasses, paramLayout } from '../../src/model/architecture.ts';
import { IO } from '../../src/model/graphs.ts';
import { randomF32 } from '../timing.ts';

export interface PopData {
  readonly theta: Float32Array;
  readonly noise: Float32Array;
  readonly x: ort.Tensor;
  readonly y: ort.Tensor;
}

export function popData(arch: Architecture, B: number, seed = 1): PopData {
  const P = paramLayout(arch).size;
  const theta = randomF32(P, seed).map((v) => v * 0.1);
  const noise = randomF32(P + 100_000, seed + 1);
  const classes = numClasses(arch);
  const y = new Float32Array(B * classes);
  for (let b = 0; b < B; b++) y[b * classes + ((b * 7) % classes)] = 1;
  return {
    theta,
    noise,
    x: new ort.Tensor('float32', randomF32(B * 784, seed + 2).map(Math.abs), [B, ...arch.inputCHW]),
    y: new ort.Tensor('float32', y, [B, classes]),
  };
}

/** Copy k uses window u = k (or k>>1 with pairs) at offset 13·u, coefficient ±0.05. */
export function popFeeds(
  session: ort.InferenceSession,
  arch: Architecture,
  K: number,
  d: PopData,
): Record<string, ort.Tensor> {
  const layout = paramLayout(arch);
  const names = new Set(session.inputNames);
  const feeds: Record<string, ort.Tensor> = {};
  const view = (a: Float32Array, off: number, s: { size: number; shape: readonly number[] }) =>
    new ort.Tensor('float32', a.subarray(off, off + s.size), s.shape);
  for (const s of layout.slices) feeds[s.name] = view(d.theta, s.offset, s);
  for (let u = 0; u < K; u++)
    for (const s of layout.slices)
      if (names.has(IO.noise(u, s.name))) feeds[IO.noise(u, s.name)] = view(d.noise, 13 * u + s.offset, s);
  for (let k = 0; k < K; k++) {
    if (names.has(IO.coef(k)))
      feeds[IO.coef(k)] = new ort.Tensor('float32', Float32Array.of(k % 2 ? -0.05 : 0.05), []);
    if (names.has(IO.xk(k))) {
      feeds[IO.xk(k)] = d.x;
      feeds[IO.yk(k)] = d.y;
    }
  }
  if (names.has(IO.x)) {
    feeds[IO.x] = d.x;
    feeds[IO.y] = d.y;
  }
  return feeds;
}

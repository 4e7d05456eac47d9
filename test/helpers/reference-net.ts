// An independent float64 reference of the networks' forward pass and mean cross-entropy, written
// with plain loops, to check the ONNX graphs' losses and (by finite differences) their gradients.
import { type Architecture, layerShapes, paramLayout } from '../../src/model/architecture.ts';

type Params = ArrayLike<number>;

function conv2dSame(
  x: Float64Array,
  C: number,
  H: number,
  W: number,
  w: Params,
  wOff: number,
  b: Params,
  bOff: number,
  F: number,
  k: number,
): Float64Array {
  const y = new Float64Array(F * H * W);
  const p = Math.floor(k / 2);
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        let s = b[bOff + f]!;
        for (let c = 0; c < C; c++) {
          for (let di = 0; di < k; di++) {
            const ii = i + di - p;
            if (ii < 0 || ii >= H) continue;
            for (let dj = 0; dj < k; dj++) {
              const jj = j + dj - p;
              if (jj < 0 || jj >= W) continue;
              s += w[wOff + ((f * C + c) * k + di) * k + dj]! * x[(c * H + ii) * W + jj]!;
            }
          }
        }
        y[(f * H + i) * W + j] = s;
      }
    }
  }
  return y;
}

function maxpool2(x: Float64Array, C: number, H: number, W: number): Float64Array {
  const h = Math.floor(H / 2),
    w = Math.floor(W / 2);
  const y = new Float64Array(C * h * w);
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let m = -Infinity;
        for (let a = 0; a < 2; a++)
          for (let b = 0; b < 2; b++) m = Math.max(m, x[(c * H + 2 * i + a) * W + 2 * j + b]!);
        y[(c * h + i) * w + j] = m;
      }
    }
  }
  return y;
}

/** Mean cross-entropy of the batch in float64. images: [B, C*H*W], labels: [B]. */
export function referenceLoss(
  arch: Architecture,
  theta: Params,
  images: ArrayLike<number>,
  labels: ArrayLike<number>,
): number {
  const layout = paramLayout(arch);
  const slice = (name: string) => layout.slices.find((s) => s.name === name)!.offset;
  const shapes = layerShapes(arch);
  const pixels = arch.inputCHW.reduce((a, b) => a * b, 1);
  let total = 0;
  for (let n = 0; n < labels.length; n++) {
    let h: Float64Array = Float64Array.from({ length: pixels }, (_, i) => images[n * pixels + i]!);
    let shape: number[] = [...arch.inputCHW];
    let nConv = 0,
      nDense = 0;
    arch.layers.forEach((layer, li) => {
      if (layer.kind === 'conv2d') {
        nConv++;
        h = conv2dSame(
          h,
          shape[0]!,
          shape[1]!,
          shape[2]!,
          theta,
          slice(`conv${nConv}.weight`),
          theta,
          slice(`conv${nConv}.bias`),
          layer.filters,
          layer.kernel,
        );
      } else if (layer.kind === 'relu') {
        h = h.map((v) => Math.max(0, v));
      } else if (layer.kind === 'maxpool2') {
        h = maxpool2(h, shape[0]!, shape[1]!, shape[2]!);
      } else if (layer.kind === 'dense') {
        nDense++;
        const wOff = slice(`fc${nDense}.weight`),
          bOff = slice(`fc${nDense}.bias`);
        const nIn = shape[0]!;
        const out = new Float64Array(layer.units);
        for (let o = 0; o < layer.units; o++) {
          let s = theta[bOff + o]!;
          for (let i = 0; i < nIn; i++) s += h[i]! * theta[wOff + i * layer.units + o]!;
          out[o] = s;
        }
        h = out;
      }
      shape = shapes[li]!;
    });
    const m = Math.max(...h);
    let z = 0;
    for (const v of h) z += Math.exp(v - m);
    total += m + Math.log(z) - h[labels[n]!]!;
  }
  return total / labels.length;
}

// An independent float64 reference of the networks' forward pass and mean loss (cross-entropy, or the
// mean over the batch and the outputs of the squared error vs one-hot), written with plain loops, to
// check the ONNX graphs' losses and (by finite differences) their gradients. It uses only the spec's
// own words: padding by TensorFlow's SAME rule computed here, pooling over valid windows.
import { type Architecture, layerShapes, paramLayout } from '../../src/model/architecture.ts';

type Params = ArrayLike<number>;

/** TensorFlow SAME: output ceil(n/s), total padding max((out−1)·s + k − n, 0), the smaller half first. */
function samePadBegin(n: number, k: number, s: number): number {
  const out = Math.ceil(n / s);
  return Math.floor(Math.max((out - 1) * s + k - n, 0) / 2);
}

/** Cross-correlation with stride s, zero padding `top`/`left` before the input, output oh×ow. */
function conv2d(
  x: Float64Array,
  [C, H, W]: readonly [number, number, number],
  theta: Params,
  wOff: number,
  bOff: number,
  F: number,
  k: number,
  s: number,
  [top, left]: readonly [number, number],
  [oh, ow]: readonly [number, number],
): Float64Array {
  const y = new Float64Array(F * oh * ow);
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let sum = theta[bOff + f]!;
        for (let c = 0; c < C; c++) {
          for (let di = 0; di < k; di++) {
            const ii = i * s + di - top;
            if (ii < 0 || ii >= H) continue;
            for (let dj = 0; dj < k; dj++) {
              const jj = j * s + dj - left;
              if (jj < 0 || jj >= W) continue;
              sum += theta[wOff + ((f * C + c) * k + di) * k + dj]! * x[(c * H + ii) * W + jj]!;
            }
          }
        }
        y[(f * oh + i) * ow + j] = sum;
      }
    }
  }
  return y;
}

function pool(
  x: Float64Array,
  [C, H, W]: number[],
  k: number,
  s: number,
  max: boolean,
): { y: Float64Array; oh: number; ow: number } {
  const oh = Math.floor((H! - k) / s) + 1,
    ow = Math.floor((W! - k) / s) + 1;
  const y = new Float64Array(C! * oh * ow);
  for (let c = 0; c < C!; c++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let acc = max ? -Infinity : 0;
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) {
            const v = x[(c * H! + i * s + a) * W! + j * s + b]!;
            acc = max ? Math.max(acc, v) : acc + v;
          }
        }
        y[(c * oh + i) * ow + j] = max ? acc : acc / (k * k);
      }
    }
  }
  return { y, oh, ow };
}

/** The network's output (logits) for one example in float64. */
export function referenceForward(
  arch: Architecture,
  theta: Params,
  example: ArrayLike<number>,
): Float64Array {
  const layout = paramLayout(arch);
  const offset = (name: string) => layout.slices.find((s) => s.name === name)!.offset;
  const shapes = layerShapes(arch);
  let h: Float64Array = Float64Array.from(example);
  let shape: number[] = [...arch.inputCHW];
  let nConv = 0,
    nDense = 0;
  arch.layers.forEach((layer, li) => {
    switch (layer.kind) {
      case 'conv2d': {
        nConv++;
        const k = layer.kernel,
          s = layer.stride ?? 1;
        const same = (layer.padding ?? 'same') === 'same';
        const [C, H, W] = [shape[0]!, shape[1]!, shape[2]!];
        const out: [number, number] = same
          ? [Math.ceil(H / s), Math.ceil(W / s)]
          : [Math.floor((H - k) / s) + 1, Math.floor((W - k) / s) + 1];
        const begin: [number, number] = same ? [samePadBegin(H, k, s), samePadBegin(W, k, s)] : [0, 0];
        h = conv2d(
          h,
          [C, H, W],
          theta,
          offset(`conv${nConv}.weight`),
          offset(`conv${nConv}.bias`),
          layer.filters,
          k,
          s,
          begin,
          out,
        );
        break;
      }
      case 'relu':
        h = h.map((v) => Math.max(0, v));
        break;
      case 'leaky-relu': {
        const alpha = layer.alpha ?? 0.01;
        h = h.map((v) => (v > 0 ? v : alpha * v));
        break;
      }
      case 'tanh':
        h = h.map(Math.tanh);
        break;
      case 'sigmoid':
        h = h.map((v) => 1 / (1 + Math.exp(-v)));
        break;
      case 'maxpool':
      case 'avgpool':
        h = pool(h, shape, layer.kernel, layer.stride ?? layer.kernel, layer.kind === 'maxpool').y;
        break;
      case 'flatten':
        break;
      case 'dense': {
        nDense++;
        const wOff = offset(`fc${nDense}.weight`),
          bOff = offset(`fc${nDense}.bias`);
        const nIn = h.length;
        const out = new Float64Array(layer.units);
        for (let o = 0; o < layer.units; o++) {
          let s = theta[bOff + o]!;
          for (let i = 0; i < nIn; i++) s += h[i]! * theta[wOff + i * layer.units + o]!;
          out[o] = s;
        }
        h = out;
        break;
      }
    }
    shape = shapes[li]!;
    if (h.length !== shape.reduce((a, b) => a * b, 1))
      throw new Error(`reference: layer ${li} size mismatch`);
  });
  return h;
}

/** Mean loss of the batch in float64 (the architecture's loss kind). images: [B, C*H*W], labels: [B]. */
export function referenceLoss(
  arch: Architecture,
  theta: Params,
  images: ArrayLike<number>,
  labels: ArrayLike<number>,
): number {
  const pixels = arch.inputCHW.reduce((a, b) => a * b, 1);
  const flat = Float64Array.from(images);
  let total = 0;
  for (let n = 0; n < labels.length; n++) {
    const h = referenceForward(arch, theta, flat.subarray(n * pixels, (n + 1) * pixels));
    if (arch.loss === 'mse') {
      // mean over the outputs of (out − onehot)²; the batch mean below
      let se = 0;
      h.forEach((v, c) => {
        se += (v - (c === labels[n] ? 1 : 0)) ** 2;
      });
      total += se / h.length;
    } else {
      const m = Math.max(...h);
      let z = 0;
      for (const v of h) z += Math.exp(v - m);
      total += m + Math.log(z) - h[labels[n]!]!;
    }
  }
  return total / labels.length;
}

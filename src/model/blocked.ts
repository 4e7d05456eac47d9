// The gradient graph's layers on ONNX Runtime's NCHWc kernels (block size bs): which layers run
// blocked, the forward conv, the backward of a blocked conv (dW by per-tap MatMuls, dX as an NCHWc conv
// with the flipped, transposed filter) and of a tiling max pool (first-argmax masks); bench/FINDINGS.md.
import { type Conv2dSpec, convGeometry, isActivation, type LayerSpec, poolGeometry } from './architecture.ts';
import type { GraphBuilder } from './onnx-builder.ts';
import { nchwcFilter } from './population/nchwc.ts';

/** The layout a layer reads: ORT's NCHWc (`blocked`), plain `nchw`, or whatever it is given (`any`). */
export type LayerLayout = 'blocked' | 'nchw' | 'any';

/**
 * The layout layer `layer` reads on an input of per-example shape [C, H, W] when its input is in
 * `current` layout. A conv runs on NCHWc when its output channels fill whole blocks, its input channels
 * too (or are fewer than a block, read from NCHW) and its stride is 1 (dX is then a stride-1 conv); a
 * max pool when its input is blocked and its windows tile the input exactly (kernel = stride | H, W).
 */
export function layerLayout(
  layer: LayerSpec,
  inShape: readonly number[],
  current: boolean,
  bs: number,
): LayerLayout {
  if (bs <= 0) return 'nchw';
  if (isActivation(layer)) return 'any';
  const [C, H, W] = [inShape[0]!, inShape[1]!, inShape[2]!];
  if (layer.kind === 'conv2d') {
    if (layer.filters % bs !== 0 || (layer.stride ?? 1) !== 1) return 'nchw';
    return C % bs === 0 ? 'blocked' : 'nchw'; // C < bs: still an NCHWc conv, reading NCHW (blockedConvOutput)
  }
  if (layer.kind === 'maxpool' && current) {
    const { kernel: k, stride: s } = poolGeometry(layer, inShape);
    if (k === s && H % k === 0 && W % k === 0) return 'blocked';
  }
  return 'nchw';
}

/** Whether a conv on an NCHW input of shape [C, H, W] writes NCHWc (reading NCHW: C < bs). */
export function blockedConvOutput(layer: Conv2dSpec, inShape: readonly number[], bs: number): boolean {
  const C = inShape[0]!;
  return bs > 0 && layer.filters % bs === 0 && (layer.stride ?? 1) === 1 && (C % bs === 0 || C < bs);
}

/** NCHW [B, C, H, W] to NCHWc and back (C a multiple of bs). */
export const toBlocked = (g: GraphBuilder, x: string): string => g.op1('nchwc.ReorderInput', [x]);
export const toNchw = (g: GraphBuilder, x: string, channels: number): string =>
  g.op1('nchwc.ReorderOutput', [x], { channels });

/** The NCHWc Conv `activation` that fuses `layer`: relu, tanh or sigmoid (their backward reads only the output). */
export function fusableActivation(layer: LayerSpec | undefined): string | undefined {
  switch (layer?.kind) {
    case 'relu':
      return 'Relu';
    case 'tanh':
      return 'Tanh';
    case 'sigmoid':
      return 'Sigmoid';
    default:
      return undefined;
  }
}

/** Forward NCHWc conv of x (blocked, or NCHW with C < bs) by OIHW filter w, bias b, fusing `activation`. */
export function blockedConv(
  g: GraphBuilder,
  layer: Conv2dSpec,
  inShape: readonly number[],
  x: string,
  w: string,
  b: string,
  bs: number,
  activation?: string,
): string {
  const { kernel: k, pads } = convGeometry(layer, inShape);
  const filter = nchwcFilter(g, w, [layer.filters, inShape[0]!, k, k], bs);
  return g.op1('nchwc.Conv', [x, filter, b], {
    kernel_shape: [k, k],
    pads: [...pads],
    ...(activation ? { activation } : {}),
  });
}

/**
 * dW of a stride-1 conv from its NCHWc input x and dZᵀ [C_out, B·Ho·Wo]: the input in NHWC, padded,
 * and for each of the k² filter taps (kh, kw) one MatMul dZᵀ · X[:, kh.., kw.., :] ([B·Ho·Wo, C_in]),
 * the k² results [C_out, C_in] stacked into OIHW (bench/FINDINGS.md: 1.4-1.9x the swapped Conv).
 */
function tapsWeightGrad(
  g: GraphBuilder,
  x: string,
  dzT: string,
  [Cin, Cout, k]: readonly number[],
  [Ho, Wo]: readonly number[],
  pads: readonly number[],
): string {
  const c = (v: number[]): string => g.constant(v);
  const nhwc = g.op1('nchwc.ReorderOutput', [x], { channels: Cin!, channels_last: 1 });
  const padded = g.op1('Pad', [nhwc, c([0, pads[0]!, pads[1]!, 0, 0, pads[2]!, pads[3]!, 0])]);
  const taps: string[] = [];
  for (let i = 0; i < k!; i++)
    for (let j = 0; j < k!; j++) {
      const tap = g.op1('Slice', [padded, c([i, j]), c([i + Ho!, j + Wo!]), c([1, 2])]);
      const dw = g.op1('MatMul', [dzT, g.op1('Reshape', [tap, c([-1, Cin!])])]);
      taps.push(g.op1('Unsqueeze', [dw, c([2])]));
    }
  return g.op1('Reshape', [g.op1('Concat', taps, { axis: 2 }), c([Cout!, Cin!, k!, k!])]);
}

/**
 * Backward of a stride-1 conv whose output gradient dZ is NCHWc: dZ back in NCHW and as
 * dZᵀ [C_out, B·Ho·Wo]; db its row sums; dW by tapsWeightGrad for an NCHWc input, else (an NCHW input
 * of fewer channels than a block) as backward.ts does, Conv(Xᵀ, dZᵀ); dX (when asked) as an NCHWc
 * conv of dZ with the flipped, transposed filter W'[ci, co] = W[co, ci, k−1−i, k−1−j] and pads k−1−p
 * (or, C_in not a multiple of the block, ConvTranspose on NCHW).
 */
export function blockedConvBackward(
  g: GraphBuilder,
  layer: Conv2dSpec,
  io: { x: string; xBlocked: boolean; w: string; dZ: string },
  inShape: readonly number[],
  outShape: readonly number[],
  needDx: boolean,
  bs: number,
): { dW: string; db: string; dX?: string } {
  const { kernel: k, pads } = convGeometry(layer, inShape);
  const [Cin, Cout] = [inShape[0]!, layer.filters];
  const [Ho, Wo] = [outShape[1]!, outShape[2]!];
  const swap01 = { perm: [1, 0, 2, 3] };
  const dZn = toNchw(g, io.dZ, Cout);
  const dzT = g.op1('Reshape', [g.op1('Transpose', [dZn], swap01), g.constant([Cout, -1])]);
  const db = g.op1('ReduceSum', [dzT, g.constant([1])], { keepdims: 0 });
  const dW = io.xBlocked
    ? tapsWeightGrad(g, io.x, dzT, [Cin, Cout, k], [Ho, Wo], pads)
    : g.op1(
        'Transpose',
        [
          g.op1(
            'Conv',
            [g.op1('Transpose', [io.x], swap01), g.op1('Reshape', [dzT, g.constant([Cout, -1, Ho, Wo])])],
            { pads: [...pads] },
          ),
        ],
        swap01,
      );
  if (!needDx) return { dW, db };
  if (Cin % bs !== 0) {
    const dX = g.op1('ConvTranspose', [dZn, io.w], { kernel_shape: [k, k], pads: [...pads] });
    return { dW, db, dX };
  }
  const flipped = g.op1('Slice', [
    io.w,
    g.constant([-1, -1]),
    g.constant([-k - 1, -k - 1]),
    g.constant([2, 3]),
    g.constant([-1, -1]),
  ]);
  const wT = g.op1('Transpose', [flipped], swap01);
  const dX = g.op1('nchwc.Conv', [io.dZ, nchwcFilter(g, wT, [Cin, Cout, k, k], bs)], {
    kernel_shape: [k, k],
    pads: pads.map((p) => k - 1 - p),
  });
  return { dW, db, dX };
}

/**
 * Backward of a max pool with kernel = stride tiling its NCHWc input x [B, C, H, W] exactly, output y:
 * each window's gradient goes to its first maximum in row-major order (MaxPool's argmax), found by
 * comparing the window's k² strided slices with y in turn. With `reluBelow` (the pool reads a relu's
 * output), the relu's backward is folded in: a window whose maximum is 0 passes no gradient.
 */
export function blockedMaxpoolBackward(
  g: GraphBuilder,
  k: number,
  io: { x: string; y: string; dY: string },
  [C, H, W]: readonly number[],
  bs: number,
  reluBelow: boolean,
): string {
  const c = (v: number[]): string => g.constant(v);
  const zero = g.constant([0], 'float32', []);
  const pooled = c([-1, 1, W! / k, bs]);
  const xr = g.op1('Reshape', [io.x, c([-1, k, W! / k, k * bs])]);
  const yr = g.op1('Reshape', [io.y, pooled]);
  let rest = g.op1('Reshape', [io.dY, pooled]);
  if (reluBelow) rest = g.op1('Where', [g.op1('Greater', [yr, zero]), rest, zero]);
  const rows: string[] = [];
  for (let i = 0; i < k; i++) {
    const row: string[] = [];
    for (let j = 0; j < k; j++) {
      if (i === k - 1 && j === k - 1) {
        row.push(rest);
        break;
      }
      const xij = g.op1('Slice', [xr, c([i, j * bs]), c([i + 1, (j + 1) * bs]), c([1, 3])]);
      const hit = g.op1('Equal', [xij, yr]);
      row.push(g.op1('Where', [hit, rest, zero]));
      rest = g.op1('Where', [hit, zero, rest]);
    }
    rows.push(k === 1 ? row[0]! : g.op1('Concat', row, { axis: 3 }));
  }
  const all = k === 1 ? rows[0]! : g.op1('Concat', rows, { axis: 1 });
  return g.op1('Reshape', [all, c([-1, C!, H!, W!])]);
}

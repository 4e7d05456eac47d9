// Emits the backward pass, derived per layer kind, from dLoss/dOutput down to every parameter, and
// concatenates the parameter gradients into one flat [P] tensor in ParamLayout order.
import {
  type Architecture,
  type Conv2dSpec,
  convGeometry,
  type LayerSpec,
  layerInputShapes,
  layerParamNames,
  layerShapes,
  leakyAlpha,
  type ParamLayout,
  type PoolSpec,
  poolGeometry,
} from './architecture.ts';
import { blockedConvBackward, blockedMaxpoolBackward, toBlocked, toNchw } from './blocked.ts';
import { type LayerTrace, type ParamNames, param } from './forward.ts';
import type { GraphBuilder } from './onnx-builder.ts';

const SWAP01 = { perm: [1, 0, 2, 3] };

/** What one layer's backward emitter is given. */
interface Site {
  readonly trace: LayerTrace;
  /** Per-example input and output shapes of the layer. */
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  /** Whether dLoss/dInput is needed (false below the first layer with parameters). */
  readonly needDx: boolean;
  /** Gradients of the layer's parameters go here, by layout name. */
  readonly grads: Map<string, string>;
  /** NCHWc block size the forward was emitted with (0: standard ops only). */
  readonly bs: number;
  /** The layer below is a relu whose output this (blocked max pool) layer reads: fold its backward in. */
  readonly reluBelow: boolean;
}

/**
 * conv2d, Y = Conv(X, W; stride s, pads [t, l, b, r]):
 * dW[co,ci] = Σ_b dY[b,co] ⋆ Xpad[b,ci] sampled every s: a convolution of X with batch and channels
 * swapped, by the filter dY, with dilation s and the forward pads; its output is k + (H + t + b − k)
 * mod s rows, of which the first k are dW. dX = ConvTranspose(dY, W) with the same pads and strides
 * and output_padding (H + t + b − k) mod s, the rows (cols) no window reached.
 */
function convBackward(
  g: GraphBuilder,
  layer: Conv2dSpec,
  w: string,
  names: { weight: string; bias: string },
  site: Site,
  dY: string,
): string {
  const [H, W] = [site.inShape[1]!, site.inShape[2]!];
  const { kernel: k, stride: s, pads } = convGeometry(layer, site.inShape);
  const rem = [(H + pads[0] + pads[2] - k) % s, (W + pads[1] + pads[3] - k) % s];
  const strided = s > 1 ? { strides: [s, s] } : {};
  const xT = g.op1('Transpose', [site.trace.input], SWAP01);
  const dyT = g.op1('Transpose', [dY], SWAP01);
  let dW = g.op1('Conv', [xT, dyT], { pads: [...pads], ...(s > 1 ? { dilations: [s, s] } : {}) });
  if (rem[0]! > 0 || rem[1]! > 0)
    dW = g.op1('Slice', [dW, g.constant([0, 0]), g.constant([k, k]), g.constant([2, 3])]);
  site.grads.set(names.weight, g.op1('Transpose', [dW], SWAP01));
  site.grads.set(names.bias, g.op1('ReduceSum', [dY, g.constant([0, 2, 3])], { keepdims: 0 }));
  if (!site.needDx) return dY;
  const outputPadding = rem[0]! > 0 || rem[1]! > 0 ? { output_padding: rem } : {};
  return g.op1('ConvTranspose', [dY, w], {
    kernel_shape: [k, k],
    pads: [...pads],
    ...strided,
    ...outputPadding,
  });
}

/**
 * maxpool: the gradient goes to each window's argmax (MaxPool's flat indices into the input). Windows
 * that cannot overlap (kernel ≤ stride) scatter with MaxUnpool; overlapping windows may share an
 * argmax, whose gradients must add: ScatterElements with reduction "add" (MaxUnpool overwrites).
 */
function maxpoolBackward(g: GraphBuilder, layer: PoolSpec, site: Site, dY: string): string {
  const { trace } = site;
  if (trace.inBlocked) {
    const { kernel } = poolGeometry(layer, site.inShape);
    const io = { x: trace.input, y: trace.output, dY };
    return blockedMaxpoolBackward(g, kernel, io, site.inShape, site.bs, site.reluBelow);
  }
  if (trace.indices === undefined)
    throw new Error('backward needs MaxPool indices: emit the forward with trace');
  const { kernel, stride } = poolGeometry(layer, site.inShape);
  const shape = g.op1('Shape', [trace.input]);
  if (kernel <= stride)
    return g.op1('MaxUnpool', [dY, trace.indices, shape], {
      kernel_shape: [kernel, kernel],
      strides: [stride, stride],
    });
  const flat = g.constant([-1]);
  const zeros = g.op1('ConstantOfShape', [g.op1('Reshape', [g.op1('Size', [trace.input]), g.constant([1])])]);
  const sum = g.op1(
    'ScatterElements',
    [zeros, g.op1('Reshape', [trace.indices, flat]), g.op1('Reshape', [dY, flat])],
    { axis: 0, reduction: 'add' },
  );
  return g.op1('Reshape', [sum, shape]);
}

/**
 * avgpool: each output's gradient spread evenly over its kernel² window, windows adding where they
 * overlap: a ConvTranspose of every channel by a constant 1/kernel² filter, output_padding for the
 * rows (cols) the floor left out.
 */
function avgpoolBackward(g: GraphBuilder, layer: PoolSpec, site: Site, dY: string): string {
  const [H, W] = [site.inShape[1]!, site.inShape[2]!];
  const [h, w] = [site.outShape[1]!, site.outShape[2]!];
  const { kernel: k, stride: s } = poolGeometry(layer, site.inShape);
  const rem = [(H - k) % s, (W - k) % s];
  const filter = g.constant(Array<number>(k * k).fill(1 / (k * k)), 'float32', [1, 1, k, k]);
  const spread = g.op1('ConvTranspose', [g.op1('Reshape', [dY, g.constant([-1, 1, h, w])]), filter], {
    kernel_shape: [k, k],
    strides: [s, s],
    ...(rem[0]! > 0 || rem[1]! > 0 ? { output_padding: rem } : {}),
  });
  return g.op1('Reshape', [spread, g.op1('Shape', [site.trace.input])]);
}

function layerBackward(
  g: GraphBuilder,
  layer: LayerSpec,
  params: ParamNames,
  names: { weight: string; bias: string } | undefined,
  site: Site,
  dY: string,
): string {
  const { trace } = site;
  switch (layer.kind) {
    case 'dense': {
      const p = names!;
      site.grads.set(p.weight, g.op1('Gemm', [trace.input, dY], { transA: 1 }));
      site.grads.set(p.bias, g.op1('ReduceSum', [dY, g.constant([0])], { keepdims: 0 }));
      return site.needDx ? g.op1('Gemm', [dY, param(params, p.weight)], { transB: 1 }) : dY;
    }
    case 'conv2d': {
      const w = param(params, names!.weight);
      if (!trace.outBlocked) return convBackward(g, layer, w, names!, site, dY);
      const io = { x: trace.input, xBlocked: trace.inBlocked === true, w, dZ: dY };
      const r = blockedConvBackward(g, layer, io, site.inShape, site.outShape, site.needDx, site.bs);
      site.grads.set(names!.weight, r.dW);
      site.grads.set(names!.bias, r.db);
      return r.dX ?? dY;
    }
    case 'relu':
      return g.op1('Mul', [dY, g.op1('Sign', [trace.output])]);
    case 'leaky-relu': {
      // Masked by the input, so any alpha (even negative) is right.
      const positive = g.op1('Greater', [trace.input, g.constant([0], 'float32', [])]);
      const leak = g.op1('Mul', [dY, g.constant([leakyAlpha(layer)], 'float32', [])]);
      return g.op1('Where', [positive, dY, leak]);
    }
    case 'tanh': {
      const y = trace.output;
      return g.op1('Mul', [dY, g.op1('Sub', [g.constant([1], 'float32', []), g.op1('Mul', [y, y])])]);
    }
    case 'sigmoid': {
      const y = trace.output;
      return g.op1('Mul', [dY, g.op1('Mul', [y, g.op1('Sub', [g.constant([1], 'float32', []), y])])]);
    }
    case 'maxpool':
      return maxpoolBackward(g, layer, site, dY);
    case 'avgpool':
      return avgpoolBackward(g, layer, site, dY);
    case 'flatten':
      return g.op1('Reshape', [dY, g.op1('Shape', [trace.input])]);
  }
}

/** Returns the name of the flat gradient tensor [P]. `bs`: the NCHWc block size emitForward was given. */
export function emitBackward(
  g: GraphBuilder,
  arch: Architecture,
  layout: ParamLayout,
  params: ParamNames,
  traces: readonly LayerTrace[],
  dLogits: string,
  bs = 0,
): string {
  const grads = new Map<string, string>();
  const names = layerParamNames(arch);
  const inShapes = layerInputShapes(arch);
  const outShapes = layerShapes(arch);
  // The input gradient is not needed below the first layer that has parameters.
  const firstParamLayer = names.findIndex((p) => p !== undefined);
  let dY = dLogits;
  for (let i = arch.layers.length - 1; i >= firstParamLayer; i--) {
    const layer = arch.layers[i]!;
    const trace = traces[i]!;
    const below = arch.layers[i - 1];
    const reluBelow =
      layer.kind === 'maxpool' &&
      trace.inBlocked === true &&
      below?.kind === 'relu' &&
      traces[i - 1]!.output === trace.input;
    const needDx = i > firstParamLayer;
    const site: Site = {
      trace,
      inShape: inShapes[i]!,
      outShape: outShapes[i]!,
      needDx,
      grads,
      bs,
      reluBelow,
    };
    dY = layerBackward(g, layer, params, names[i], site, dY);
    if (needDx && trace.reordered === 'toBlocked') dY = toNchw(g, dY, inShapes[i]![0]!);
    else if (needDx && trace.reordered === 'toNchw') dY = toBlocked(g, dY);
    if (reluBelow) i--; // the relu's backward is folded into the pool's
  }
  const flat = g.constant([-1]);
  const parts = layout.slices.map((s) => g.op1('Reshape', [grads.get(s.name)!, flat]));
  return g.op1('Concat', parts, { axis: 0 });
}

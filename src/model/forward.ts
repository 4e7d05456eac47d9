// Emits the forward pass of an architecture and its loss (softmax cross-entropy or mean squared
// error) into a GraphBuilder, recording per layer the tensors the backward pass needs (layer input,
// output, MaxPool's argmax indices).
import {
  type ActivationSpec,
  type Architecture,
  convGeometry,
  type LossKind,
  layerInputShapes,
  layerParamNames,
  leakyAlpha,
  type ParamLayout,
  poolGeometry,
} from './architecture.ts';
import {
  blockedConv,
  blockedConvOutput,
  fusableActivation,
  layerLayout,
  toBlocked,
  toNchw,
} from './blocked.ts';
import type { AttrValue, GraphBuilder } from './onnx-builder.ts';

/** What backward needs of one layer: its input and output tensor names, and MaxPool's argmax indices. */
export interface LayerTrace {
  readonly input: string;
  readonly output: string;
  readonly indices?: string;
  /** Input and output in ORT's NCHWc layout (forward emitted with a block size). */
  readonly inBlocked?: boolean;
  readonly outBlocked?: boolean;
  /** The layer's input was reordered (to NCHWc or to NCHW) before it: backward reorders dX back. */
  readonly reordered?: 'toBlocked' | 'toNchw';
}

/** Maps a parameter name of the layout (e.g. "fc1.weight") to the graph tensor holding it. */
export type ParamNames = ReadonlyMap<string, string>;

export function paramInputNames(layout: ParamLayout, prefix = ''): Map<string, string> {
  return new Map(layout.slices.map((s) => [s.name, prefix + s.name]));
}

export function param(params: ParamNames, name: string): string {
  const t = params.get(name);
  if (t === undefined) throw new Error(`graph has no tensor for parameter ${name}`);
  return t;
}

/** The ONNX op of an activation layer, applied to x (any shape, any layout). */
export function emitActivation(g: GraphBuilder, layer: ActivationSpec, x: string): string {
  switch (layer.kind) {
    case 'relu':
      return g.op1('Relu', [x]);
    case 'tanh':
      return g.op1('Tanh', [x]);
    case 'sigmoid':
      return g.op1('Sigmoid', [x]);
    case 'leaky-relu':
      return g.op1('LeakyRelu', [x], { alpha: { float: leakyAlpha(layer) } });
  }
}

/** Conv attributes of a conv2d layer on a [C,H,W] input: explicit (possibly asymmetric) pads. */
export function convAttrs(geo: {
  kernel: number;
  stride: number;
  pads: readonly number[];
}): Record<string, AttrValue> {
  return {
    kernel_shape: [geo.kernel, geo.kernel],
    pads: [...geo.pads],
    strides: [geo.stride, geo.stride],
  };
}

/**
 * Emits logits = f(x; θ). With `trace`, MaxPool also outputs its indices for the backward pass. With
 * an NCHWc block size `bs` > 0, convs and max pools run on ORT's NCHWc kernels where layerLayout
 * allows (a following relu, tanh or sigmoid fused into the conv), with reorders where layouts change;
 * max pools on NCHWc keep no indices (blocked.ts finds the argmax again).
 */
export function emitForward(
  g: GraphBuilder,
  arch: Architecture,
  params: ParamNames,
  x: string,
  trace = false,
  bs = 0,
): { logits: string; traces: LayerTrace[] } {
  const traces: LayerTrace[] = [];
  const inShapes = layerInputShapes(arch);
  const names = layerParamNames(arch);
  let h = x;
  let blocked = false;
  for (let i = 0; i < arch.layers.length; i++) {
    const layer = arch.layers[i]!;
    const inShape = inShapes[i]!;
    const want = layerLayout(layer, inShape, blocked, bs);
    let reordered: LayerTrace['reordered'];
    if (want === 'blocked' && !blocked) [h, blocked, reordered] = [toBlocked(g, h), true, 'toBlocked'];
    else if (want === 'nchw' && blocked)
      [h, blocked, reordered] = [toNchw(g, h, inShape[0]!), false, 'toNchw'];
    const input = h;
    const inBlocked = blocked;
    let indices: string | undefined;
    switch (layer.kind) {
      case 'conv2d': {
        const p = names[i]!;
        const [w, b] = [param(params, p.weight), param(params, p.bias)];
        if (blocked || blockedConvOutput(layer, inShape, bs)) {
          const next = arch.layers[i + 1];
          const act = fusableActivation(next);
          h = blockedConv(g, layer, inShape, h, w, b, bs, act);
          blocked = true;
          if (act) {
            // the activation's trace: its output (what its backward reads) is the fused conv's
            traces.push({
              input,
              output: h,
              inBlocked,
              outBlocked: true,
              ...(reordered ? { reordered } : {}),
            });
            traces.push({ input: h, output: h, inBlocked: true, outBlocked: true });
            i++;
            continue;
          }
          break;
        }
        h = g.op1('Conv', [h, w, b], convAttrs(convGeometry(layer, inShape)));
        break;
      }
      case 'relu':
      case 'tanh':
      case 'sigmoid':
      case 'leaky-relu':
        h = emitActivation(g, layer, h);
        break;
      case 'maxpool':
      case 'avgpool': {
        const geo = poolGeometry(layer, inShape);
        const attrs = { kernel_shape: [geo.kernel, geo.kernel], strides: [geo.stride, geo.stride] };
        if (blocked) h = g.op1('nchwc.MaxPool', [h], attrs);
        else if (layer.kind === 'avgpool') h = g.op1('AveragePool', [h], attrs);
        else if (trace) [h, indices] = g.op('MaxPool', [h], attrs, 2) as [string, string];
        else h = g.op1('MaxPool', [h], attrs);
        break;
      }
      case 'flatten':
        h = g.op1('Flatten', [h], { axis: 1 });
        break;
      case 'dense': {
        const p = names[i]!;
        h = g.op1('Gemm', [h, param(params, p.weight), param(params, p.bias)]);
        break;
      }
    }
    traces.push({
      input,
      output: h,
      ...(indices === undefined ? {} : { indices }),
      ...(bs > 0 ? { inBlocked, outBlocked: blocked } : {}),
      ...(reordered ? { reordered } : {}),
    });
  }
  if (blocked) throw new Error(`${arch.name}: the network ends in a convolution or pool, not [B, classes]`);
  return { logits: h, traces };
}

export interface LossOutputs {
  /** The mean loss over the batch (scalar). */
  readonly loss: string;
  /** The number of correct argmax predictions (float scalar). */
  readonly correct: string;
  /** dLoss/dOutput [B, classes], when asked for. */
  readonly dLogits?: string;
}

function correctCount(g: GraphBuilder, logits: string, y: string): string {
  const hit = g.op1('Equal', [
    g.op1('ArgMax', [logits], { axis: 1, keepdims: 0 }),
    g.op1('ArgMax', [y], { axis: 1, keepdims: 0 }),
  ]);
  return g.op1('ReduceSum', [g.op1('Cast', [hit], { to: 1 })], { keepdims: 0 });
}

/**
 * Mean softmax cross-entropy of logits [B,K] against one-hot targets y [B,K], the number of correct
 * argmax predictions (float scalar), and optionally dLoss/dLogits = (softmax - y) / B.
 */
export function emitCrossEntropy(g: GraphBuilder, logits: string, y: string, withGrad: boolean): LossOutputs {
  const logp = g.op1('LogSoftmax', [logits], { axis: 1 });
  const axis1 = g.constant([1]);
  const nll = g.op1('Neg', [g.op1('ReduceSum', [g.op1('Mul', [logp, y]), axis1], { keepdims: 0 })]);
  const loss = g.op1('ReduceMean', [nll], { keepdims: 0 });
  const correct = correctCount(g, logits, y);
  if (!withGrad) return { loss, correct };
  const batch = g.op1('Cast', [g.op1('Gather', [g.op1('Shape', [logits]), g.constant([0], 'int64', [])])], {
    to: 1,
  });
  const dLogits = g.op1('Div', [g.op1('Sub', [g.op1('Exp', [logp]), y]), batch]);
  return { loss, correct, dLogits };
}

/**
 * Mean squared error of the output [B,K] against one-hot targets y [B,K]: the mean over the batch of
 * the mean over the K outputs of (out − y)², i.e. the mean over all B·K entries; the number of
 * correct argmax predictions; optionally dLoss/dOut = 2·(out − y) / (B·K).
 */
export function emitMse(g: GraphBuilder, out: string, y: string, withGrad: boolean): LossOutputs {
  const diff = g.op1('Sub', [out, y]);
  const loss = g.op1('ReduceMean', [g.op1('Mul', [diff, diff])], { keepdims: 0 });
  const correct = correctCount(g, out, y);
  if (!withGrad) return { loss, correct };
  const entries = g.op1('Cast', [g.op1('Size', [out])], { to: 1 });
  const dLogits = g.op1('Div', [g.op1('Mul', [diff, g.constant([2], 'float32', [])]), entries]);
  return { loss, correct, dLogits };
}

export function emitLoss(
  g: GraphBuilder,
  kind: LossKind,
  out: string,
  y: string,
  withGrad: boolean,
): LossOutputs {
  return kind === 'mse' ? emitMse(g, out, y, withGrad) : emitCrossEntropy(g, out, y, withGrad);
}

// Layer specs, the named networks of the paper (cnn-3m, cnn-29k) plus a small mlp, the geometry of
// convolutions and pooling (TensorFlow's SAME rule), per-layer shapes, and the ParamLayout that maps
// the flat parameter vector θ to named tensors (ONNX layouts, NCHW). Spec files: spec.ts.
import { UsageError } from '../types.ts';

/** The loss a model is trained with: softmax cross-entropy on its logits, or mean squared error vs one-hot. */
export type LossKind = 'cross-entropy' | 'mse';

export interface Conv2dSpec {
  readonly kind: 'conv2d';
  readonly filters: number;
  /** Square kernel size, any size ≥ 1, odd or even. */
  readonly kernel: number;
  /** Default 1. */
  readonly stride?: number;
  /** Default 'same' (TensorFlow's rule: output ceil(H/stride), extra padding at the end). */
  readonly padding?: 'same' | 'valid';
}

/** Max or average over kernel×kernel windows, valid windows only, output floor((H − kernel)/stride) + 1. */
export interface PoolSpec {
  readonly kind: 'maxpool' | 'avgpool';
  readonly kernel: number;
  /** Default = kernel. */
  readonly stride?: number;
}

export interface DenseSpec {
  readonly kind: 'dense';
  readonly units: number;
}

export type ActivationSpec =
  | { readonly kind: 'relu' }
  | { readonly kind: 'tanh' }
  | { readonly kind: 'sigmoid' }
  /** x for x > 0, alpha·x otherwise (any finite alpha; default 0.01). */
  | { readonly kind: 'leaky-relu'; readonly alpha?: number };

export type LayerSpec = Conv2dSpec | PoolSpec | DenseSpec | ActivationSpec | { readonly kind: 'flatten' };

export type LayerKind = LayerSpec['kind'];

export const LAYER_KINDS: readonly LayerKind[] = [
  'conv2d',
  'maxpool',
  'avgpool',
  'dense',
  'relu',
  'tanh',
  'sigmoid',
  'leaky-relu',
  'flatten',
];

export const DEFAULT_LEAKY_ALPHA = 0.01;

export interface Architecture {
  readonly name: string;
  /** Input shape of one example: [channels, rows, cols]. */
  readonly inputCHW: readonly [number, number, number];
  readonly layers: readonly LayerSpec[];
  /** Default 'cross-entropy'. */
  readonly loss?: LossKind;
}

/** One named parameter tensor inside θ: θ[offset .. offset + size) reshaped to `shape`. */
export interface ParamSlice {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

export interface ParamLayout {
  readonly slices: readonly ParamSlice[];
  /** P, the total number of parameters. */
  readonly size: number;
}

const conv = (filters: number): LayerSpec => ({
  kind: 'conv2d',
  filters,
  kernel: 5,
  stride: 1,
  padding: 'same',
});
const RELU: LayerSpec = { kind: 'relu' };
const POOL: LayerSpec = { kind: 'maxpool', kernel: 2, stride: 2 };
const FLAT: LayerSpec = { kind: 'flatten' };
const dense = (units: number): LayerSpec => ({ kind: 'dense', units });

/** The paper's networks (section 4 and 4.3) and a small mlp for fast tests. */
export const ARCHITECTURES: Readonly<Record<string, Architecture>> = {
  // TensorFlow "deep MNIST" tutorial net: 3,274,634 parameters.
  'cnn-3m': {
    name: 'cnn-3m',
    inputCHW: [1, 28, 28],
    layers: [conv(32), RELU, POOL, conv(64), RELU, POOL, FLAT, dense(1024), RELU, dense(10)],
    loss: 'cross-entropy',
  },
  // The small net of section 4.3: 28,938 parameters.
  'cnn-29k': {
    name: 'cnn-29k',
    inputCHW: [1, 28, 28],
    layers: [conv(16), RELU, POOL, conv(32), RELU, POOL, FLAT, dense(10)],
    loss: 'cross-entropy',
  },
  // 784 -> 32 -> 10: 25,450 parameters, for quick tests and demos.
  mlp: {
    name: 'mlp',
    inputCHW: [1, 28, 28],
    layers: [FLAT, dense(32), RELU, dense(10)],
    loss: 'cross-entropy',
  },
};

export function listArchitectures(): string[] {
  return Object.keys(ARCHITECTURES);
}

export function getArchitecture(name: string): Architecture {
  const arch = ARCHITECTURES[name];
  if (!arch) throw new UsageError(`unknown model '${name}': allowed are ${listArchitectures().join(', ')}`);
  return arch;
}

export function lossKind(arch: Architecture): LossKind {
  return arch.loss ?? 'cross-entropy';
}

export function isActivation(layer: LayerSpec | undefined): layer is ActivationSpec {
  return (
    layer?.kind === 'relu' ||
    layer?.kind === 'tanh' ||
    layer?.kind === 'sigmoid' ||
    layer?.kind === 'leaky-relu'
  );
}

export function leakyAlpha(layer: { readonly alpha?: number }): number {
  return layer.alpha ?? DEFAULT_LEAKY_ALPHA;
}

/**
 * Where a convolution or pooling window goes over a [C, H, W] input: its ONNX attributes
 * (pads [top, left, bottom, right]) and the output's rows and cols.
 */
export interface WindowGeometry {
  readonly kernel: number;
  readonly stride: number;
  readonly pads: readonly [number, number, number, number];
  readonly outH: number;
  readonly outW: number;
}

/**
 * TensorFlow's SAME padding along one axis: output ceil(size/stride), total padding
 * max((out − 1)·stride + kernel − size, 0), floor(total/2) at the beginning, the rest at the end.
 */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

/** Output length of a window sweep (ONNX's floor rule); < 1 when the window does not fit. */
function windows(size: number, padded: number, kernel: number, stride: number): number {
  return Math.floor((size + padded - kernel) / stride) + 1;
}

export function convGeometry(layer: Conv2dSpec, inShape: readonly number[]): WindowGeometry {
  const [H, W] = [inShape[1]!, inShape[2]!];
  const { kernel } = layer;
  const stride = layer.stride ?? 1;
  let pads: [number, number, number, number] = [0, 0, 0, 0];
  if ((layer.padding ?? 'same') === 'same') {
    const [top, bottom] = samePadding(H, kernel, stride);
    const [left, right] = samePadding(W, kernel, stride);
    pads = [top, left, bottom, right];
  }
  return {
    kernel,
    stride,
    pads,
    outH: windows(H, pads[0] + pads[2], kernel, stride),
    outW: windows(W, pads[1] + pads[3], kernel, stride),
  };
}

export function poolGeometry(layer: PoolSpec, inShape: readonly number[]): WindowGeometry {
  const stride = layer.stride ?? layer.kernel;
  return {
    kernel: layer.kernel,
    stride,
    pads: [0, 0, 0, 0],
    outH: windows(inShape[1]!, 0, layer.kernel, stride),
    outW: windows(inShape[2]!, 0, layer.kernel, stride),
  };
}

/** A layer that does not fit its input: its index and what is wrong (parseArchitecture words it). */
export interface ShapeProblem {
  readonly index: number;
  readonly message: string;
}

const dims = (shape: readonly number[]): string => shape.join('×');

/** The per-example output shape of every layer ([C,H,W] or [features]), or the first layer that does not fit. */
export function inferShapes(
  inputCHW: readonly number[],
  layers: readonly LayerSpec[],
): { shapes: number[][] } | { problem: ShapeProblem } {
  let shape: number[] = [...inputCHW];
  const shapes: number[][] = [];
  for (const [index, layer] of layers.entries()) {
    const fail = (message: string) => ({ problem: { index, message } });
    switch (layer.kind) {
      case 'conv2d':
      case 'maxpool':
      case 'avgpool': {
        if (shape.length !== 3) return fail(`needs a [C,H,W] input, got a flat vector of ${shape[0]}`);
        const geo = layer.kind === 'conv2d' ? convGeometry(layer, shape) : poolGeometry(layer, shape);
        if (geo.outH < 1 || geo.outW < 1) {
          const padding = layer.kind === 'conv2d' ? ' with padding "valid"' : '';
          return fail(`kernel ${layer.kernel} is larger than its ${dims(shape.slice(1))} input${padding}`);
        }
        shape = [layer.kind === 'conv2d' ? layer.filters : shape[0]!, geo.outH, geo.outW];
        break;
      }
      case 'flatten':
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'dense':
        if (shape.length !== 1) return fail('needs a flat input; add {"kind":"flatten"} before it');
        shape = [layer.units];
        break;
      case 'relu':
      case 'tanh':
      case 'sigmoid':
      case 'leaky-relu':
        break;
    }
    shapes.push(shape);
  }
  return { shapes };
}

/** Per-example activation shape after each layer ([C,H,W] or [features]). */
export function layerShapes(arch: Architecture): number[][] {
  const r = inferShapes(arch.inputCHW, arch.layers);
  if ('problem' in r) {
    const { index, message } = r.problem;
    throw new Error(`${arch.name}: layers[${index}] (${arch.layers[index]!.kind}): ${message}`);
  }
  return r.shapes;
}

/** Floats of one example's activations: the input and every layer's output. */
export function activationFloats(arch: Architecture): number {
  const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
  return size(arch.inputCHW) + layerShapes(arch).reduce((sum, shape) => sum + size(shape), 0);
}

/** Per-example input shape of each layer: the input, then the previous layer's output. */
export function layerInputShapes(arch: Architecture): number[][] {
  return [[...arch.inputCHW], ...layerShapes(arch).slice(0, -1)];
}

/** Number of classes = the width of the last layer. */
export function numClasses(arch: Architecture): number {
  const shapes = layerShapes(arch);
  const last = shapes[shapes.length - 1] ?? [...arch.inputCHW];
  if (last.length !== 1) throw new Error(`${arch.name}: the last layer must produce a flat vector`);
  return last[0]!;
}

/** The parameter tensors of a layer with parameters (conv2d, dense), by their layout names. */
export interface LayerParams {
  readonly weight: string;
  readonly bias: string;
}

/** For each layer, its parameters' names (conv{n}.weight/bias, fc{n}.weight/bias), or undefined. */
export function layerParamNames(arch: Architecture): (LayerParams | undefined)[] {
  let nConv = 0,
    nDense = 0;
  return arch.layers.map((layer) => {
    if (layer.kind === 'conv2d') {
      nConv++;
      return { weight: `conv${nConv}.weight`, bias: `conv${nConv}.bias` };
    }
    if (layer.kind === 'dense') {
      nDense++;
      return { weight: `fc${nDense}.weight`, bias: `fc${nDense}.bias` };
    }
    return undefined;
  });
}

/** Parameter tensors in layer order: convN.weight [Cout,Cin,k,k], convN.bias, fcN.weight [in,out], fcN.bias. */
export function paramLayout(arch: Architecture): ParamLayout {
  const slices: ParamSlice[] = [];
  let offset = 0;
  const add = (name: string, shape: number[]): void => {
    const size = shape.reduce((a, b) => a * b, 1);
    slices.push({ name, shape, offset, size });
    offset += size;
  };
  const inShapes = layerInputShapes(arch);
  const names = layerParamNames(arch);
  arch.layers.forEach((layer, i) => {
    const inShape = inShapes[i]!;
    const p = names[i];
    if (layer.kind === 'conv2d' && p) {
      add(p.weight, [layer.filters, inShape[0]!, layer.kernel, layer.kernel]);
      add(p.bias, [layer.filters]);
    } else if (layer.kind === 'dense' && p) {
      add(p.weight, [inShape[0]!, layer.units]);
      add(p.bias, [layer.units]);
    }
  });
  return { slices, size: offset };
}

/** Multiply-accumulate count of one forward pass of one example (convolutions and dense layers). */
export function forwardMacsPerExample(arch: Architecture): number {
  let macs = 0;
  const inShapes = layerInputShapes(arch);
  const shapes = layerShapes(arch);
  arch.layers.forEach((layer, i) => {
    const [inShape, out] = [inShapes[i]!, shapes[i]!];
    if (layer.kind === 'conv2d')
      macs += out[0]! * out[1]! * out[2]! * inShape[0]! * layer.kernel * layer.kernel;
    if (layer.kind === 'dense') macs += inShape[0]! * layer.units;
  });
  return macs;
}

// Layer specs, the named networks of the paper (cnn-3m, cnn-29k) plus a small mlp, and the
// ParamLayout that maps the flat parameter vector θ to named tensors (ONNX layouts, NCHW).
import { UsageError } from '../types.ts';

export type LayerSpec =
  | { readonly kind: 'conv2d'; readonly filters: number; readonly kernel: number } // SAME padding, stride 1
  | { readonly kind: 'relu' }
  | { readonly kind: 'maxpool2' } // 2x2 window, stride 2
  | { readonly kind: 'flatten' }
  | { readonly kind: 'dense'; readonly units: number };

export interface Architecture {
  readonly name: string;
  /** Input shape of one example: [channels, rows, cols]. */
  readonly inputCHW: readonly [number, number, number];
  readonly layers: readonly LayerSpec[];
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

const conv = (filters: number): LayerSpec => ({ kind: 'conv2d', filters, kernel: 5 });
const RELU: LayerSpec = { kind: 'relu' };
const POOL: LayerSpec = { kind: 'maxpool2' };
const FLAT: LayerSpec = { kind: 'flatten' };
const dense = (units: number): LayerSpec => ({ kind: 'dense', units });

/** The paper's networks (section 4 and 4.3) and a small mlp for fast tests. */
export const ARCHITECTURES: Readonly<Record<string, Architecture>> = {
  // TensorFlow "deep MNIST" tutorial net: 3,274,634 parameters.
  'cnn-3m': {
    name: 'cnn-3m',
    inputCHW: [1, 28, 28],
    layers: [conv(32), RELU, POOL, conv(64), RELU, POOL, FLAT, dense(1024), RELU, dense(10)],
  },
  // The small net of section 4.3: 28,938 parameters.
  'cnn-29k': {
    name: 'cnn-29k',
    inputCHW: [1, 28, 28],
    layers: [conv(16), RELU, POOL, conv(32), RELU, POOL, FLAT, dense(10)],
  },
  // 784 -> 32 -> 10: 25,450 parameters, for quick tests and demos.
  mlp: { name: 'mlp', inputCHW: [1, 28, 28], layers: [FLAT, dense(32), RELU, dense(10)] },
};

export function listArchitectures(): string[] {
  return Object.keys(ARCHITECTURES);
}

export function getArchitecture(name: string): Architecture {
  const arch = ARCHITECTURES[name];
  if (!arch) throw new UsageError(`unknown model '${name}': allowed are ${listArchitectures().join(', ')}`);
  return arch;
}

/** Per-example activation shape after each layer ([C,H,W] or [features]). */
export function layerShapes(arch: Architecture): number[][] {
  let shape: number[] = [...arch.inputCHW];
  const out: number[][] = [];
  for (const layer of arch.layers) {
    switch (layer.kind) {
      case 'conv2d':
        if (shape.length !== 3) throw new Error(`${arch.name}: conv2d needs a [C,H,W] input`);
        shape = [layer.filters, shape[1]!, shape[2]!];
        break;
      case 'maxpool2':
        if (shape.length !== 3) throw new Error(`${arch.name}: maxpool2 needs a [C,H,W] input`);
        shape = [shape[0]!, Math.floor(shape[1]! / 2), Math.floor(shape[2]! / 2)];
        break;
      case 'flatten':
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'dense':
        if (shape.length !== 1) throw new Error(`${arch.name}: dense needs a flat input (add flatten)`);
        shape = [layer.units];
        break;
      case 'relu':
        break;
    }
    out.push(shape);
  }
  return out;
}

/** Number of classes = the width of the last layer. */
export function numClasses(arch: Architecture): number {
  const shapes = layerShapes(arch);
  const last = shapes[shapes.length - 1]!;
  if (last.length !== 1) throw new Error(`${arch.name}: the last layer must be dense`);
  return last[0]!;
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
  let inShape: number[] = [...arch.inputCHW];
  let nConv = 0,
    nDense = 0;
  const shapes = layerShapes(arch);
  arch.layers.forEach((layer, i) => {
    if (layer.kind === 'conv2d') {
      nConv++;
      add(`conv${nConv}.weight`, [layer.filters, inShape[0]!, layer.kernel, layer.kernel]);
      add(`conv${nConv}.bias`, [layer.filters]);
    } else if (layer.kind === 'dense') {
      nDense++;
      add(`fc${nDense}.weight`, [inShape[0]!, layer.units]);
      add(`fc${nDense}.bias`, [layer.units]);
    }
    inShape = shapes[i]!;
  });
  return { slices, size: offset };
}

/** Multiply-accumulate count of one forward pass of one example (convolutions and dense layers). */
export function forwardMacsPerExample(arch: Architecture): number {
  let macs = 0;
  let inShape: number[] = [...arch.inputCHW];
  const shapes = layerShapes(arch);
  arch.layers.forEach((layer, i) => {
    const out = shapes[i]!;
    if (layer.kind === 'conv2d')
      macs += out[0]! * out[1]! * out[2]! * inShape[0]! * layer.kernel * layer.kernel;
    if (layer.kind === 'dense') macs += inShape[0]! * layer.units;
    inShape = out;
  });
  return macs;
}

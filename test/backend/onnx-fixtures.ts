// ONNX files built for the import tests (a tiny conv net with an int64 reshape constant; a 2-D-input
// dense net whose bias is read inside an If body) and their float64 reference forward passes.
import onnxProto from 'onnx-proto';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';

const { onnx } = onnxProto;
type Tensor = onnxProto.onnx.ITensorProto;

/** A float32 initializer; `raw` stores it as little-endian raw_data instead of float_data. */
export function floatInit(name: string, dims: number[], values: Float32Array, raw = false): Tensor {
  if (!raw) return { name, dataType: 1, dims, floatData: [...values] };
  return { name, dataType: 1, dims, rawData: new Uint8Array(values.slice().buffer) };
}

/** The builder's model with `inits` inserted before its own initializers (in that order), and `edit` applied. */
export function withInitializers(
  bytes: Uint8Array,
  inits: Tensor[],
  edit: (m: onnxProto.onnx.ModelProto) => void = () => {},
): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  m.graph!.initializer = [...inits, ...(m.graph!.initializer ?? [])];
  edit(m);
  return onnx.ModelProto.encode(m).finish();
}

/** Deterministic values in [-scale, scale). */
export function values(n: number, seed: number, scale = 0.5): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296 - 0.5) * 2 * scale;
  });
}

/** Tiny CNN: x [N,1,6,6] → Conv 3×3 (3 filters, pad 1) → Relu → MaxPool 2 → Reshape [-1,27] → MatMul + Add → [N,4]. */
export const TINY_CNN = {
  names: ['conv.w', 'conv.b', 'fc.w', 'fc.b', 'unused.w'],
  shapes: [[3, 1, 3, 3], [3], [27, 4], [4], [2]],
};

export function tinyCnnBytes(theta: Float32Array[]): Uint8Array {
  const g = new GraphBuilder('tiny-cnn');
  g.input('image', 'float32', ['N', 1, 6, 6]);
  const [cw, cb, fw, fb] = TINY_CNN.names;
  const h = g.op1('MaxPool', [g.op1('Relu', [g.op1('Conv', ['image', cw!, cb!], { pads: [1, 1, 1, 1] })])], {
    kernel_shape: [2, 2],
    strides: [2, 2],
  });
  const flat = g.op1('Reshape', [h, g.constant([-1, 27])]);
  g.op1('Add', [g.op1('MatMul', [flat, fw!]), fb!], {}, 'scores');
  g.output('scores', 'float32', ['N', 4]);
  g.output(h, 'float32', ['N', 3, 3, 3]); // a second output: not the model's
  const half: Tensor = { name: 'half', dataType: 10, dims: [1], int32Data: [0] }; // float16: a constant
  // File order: conv.w (raw_data), conv.b, half, fc.w, fc.b, unused.w, then the builder's int64 shape.
  const inits = TINY_CNN.names.map((n, i) => floatInit(n, TINY_CNN.shapes[i]!, theta[i]!, i === 0));
  return withInitializers(g.toBytes(), [...inits.slice(0, 2), half, ...inits.slice(2)]);
}

/** float64 logits of the tiny CNN for one 6×6 image. */
export function tinyCnnLogits(theta: Float32Array[], image: ArrayLike<number>): number[] {
  const [cw, cb, fw, fb] = theta as [Float32Array, Float32Array, Float32Array, Float32Array];
  const conv = (f: number, i: number, j: number): number => {
    let s = cb[f]!;
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        const [ii, jj] = [i + a - 1, j + b - 1];
        if (ii >= 0 && ii < 6 && jj >= 0 && jj < 6) s += cw[f * 9 + a * 3 + b]! * image[ii * 6 + jj]!;
      }
    return Math.max(0, s);
  };
  const flat: number[] = [];
  for (let f = 0; f < 3; f++)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        flat.push(
          Math.max(
            conv(f, 2 * i, 2 * j),
            conv(f, 2 * i, 2 * j + 1),
            conv(f, 2 * i + 1, 2 * j),
            conv(f, 2 * i + 1, 2 * j + 1),
          ),
        );
  return Array.from({ length: 4 }, (_, o) => flat.reduce((s, v, i) => s + v * fw[i * 4 + o]!, fb[o]!));
}

/** 2-D input: x [N,5] → MatMul w [5,3] → If(flag: bool constant) then Add b else Sub b → Tanh → [N,3]. */
export const DENSE_IF = { names: ['w', 'b'], shapes: [[5, 3], [3]] };

export function denseIfBytes(theta: Float32Array[]): Uint8Array {
  const g = new GraphBuilder('dense-if');
  g.input('features', 'float32', ['batch', 5]);
  const z = g.op1('MatMul', ['features', 'w']);
  g.op1('Tanh', ['branch_out'], {}, 'out');
  g.output('out', 'float32', ['batch', 3]);
  const branch = (op: string, out: string): onnxProto.onnx.IGraphProto => ({
    name: `${op}-branch`,
    node: [{ opType: op, input: [z, 'b'], output: [out] }],
    output: [{ name: out, type: { tensorType: { elemType: 1 } } }],
  });
  const inits = DENSE_IF.names.map((n, i) => floatInit(n, DENSE_IF.shapes[i]!, theta[i]!));
  const flag: Tensor = { name: 'flag', dataType: 9, dims: [], int32Data: [1] };
  return withInitializers(g.toBytes(), [...inits, flag], (m) => {
    const G = onnx.AttributeProto.AttributeType.GRAPH;
    m.graph!.node!.splice(1, 0, {
      opType: 'If',
      name: 'choose',
      input: ['flag'],
      output: ['branch_out'],
      attribute: [
        { name: 'then_branch', type: G, g: branch('Add', 'then_out') },
        { name: 'else_branch', type: G, g: branch('Sub', 'else_out') },
      ],
    });
  });
}

export function denseIfOutputs(theta: Float32Array[], x: ArrayLike<number>): number[] {
  const [w, b] = theta as [Float32Array, Float32Array];
  return Array.from({ length: 3 }, (_, o) => {
    let s = b[o]!;
    for (let i = 0; i < 5; i++) s += x[i]! * w[i * 3 + o]!;
    return Math.tanh(s);
  });
}

/** Mean softmax cross-entropy (float64) of rows of logits against labels. */
export function meanCrossEntropy(rows: number[][], labels: ArrayLike<number>): number {
  let total = 0;
  rows.forEach((r, n) => {
    const m = Math.max(...r);
    total += m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0)) - r[labels[n]!]!;
  });
  return total / rows.length;
}

/** Mean over rows and outputs of (out − onehot(label))². */
export function meanSquaredError(rows: number[][], labels: ArrayLike<number>): number {
  let total = 0;
  rows.forEach((r, n) => {
    r.forEach((v, c) => {
      total += (v - (c === labels[n] ? 1 : 0)) ** 2;
    });
  });
  return total / (rows.length * rows[0]!.length);
}

/** Rows whose argmax is the label. */
export function countCorrect(rows: number[][], labels: ArrayLike<number>): number {
  return rows.filter((r, n) => r.indexOf(Math.max(...r)) === labels[n]).length;
}

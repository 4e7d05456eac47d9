// A model at a trained θ as a self-contained ONNX file: a spec net's logits graph (exportOnnx), or an
// imported ONNX model's own graph with its float32 initializers (θ, see importOnnx) replaced by θ.
import onnxProto from 'onnx-proto';
import { exportOnnx } from '../model/export.ts';
import { importOnnx } from './onnx-import.ts';
import type { ModelSource } from './source.ts';

const { onnx } = onnxProto;

/**
 * The user's ONNX file with θ as its initializers: the float32 initializers that importOnnx counts
 * as θ get θ's values as raw_data, in file order; every other byte of meaning (nodes, inputs,
 * outputs, opsets, other initializers, metadata) is the file's own.
 */
export function importedOnnxWithTheta(name: string, bytes: Uint8Array, thetaP: Float32Array): Uint8Array {
  const { model, layout } = importOnnx(name, bytes);
  if (thetaP.length !== layout.size)
    throw new Error(`θ has ${thetaP.length} values, ${name} needs ${layout.size}`);
  const byName = new Map(layout.slices.map((s) => [s.name, s]));
  let replaced = 0;
  for (const t of model.graph!.initializer ?? []) {
    const s = byName.get(t.name ?? '');
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT || !s) continue;
    const values = thetaP.slice(s.offset, s.offset + s.size);
    t.floatData = [];
    t.rawData = new Uint8Array(values.buffer);
    replaced++;
  }
  if (replaced !== layout.slices.length)
    throw new Error(`${name}: replaced ${replaced} initializers, θ has ${layout.slices.length}`);
  return onnx.ModelProto.encode(model).finish();
}

/** The ONNX bytes of the model `source` describes at θ (input and output as documented in the README). */
export function onnxWithTheta(source: ModelSource, thetaP: Float32Array): Uint8Array {
  return source.format === 'spec'
    ? exportOnnx(source.spec, thetaP)
    : importedOnnxWithTheta(source.name, source.bytes, thetaP);
}

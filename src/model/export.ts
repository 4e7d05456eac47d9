// A spec network with its trained θ as a self-contained ONNX model: the logits graph with every
// parameter tensor as an initializer. Input `x` [N, C, H, W] (float32), output `logits` [N, classes].
import onnxProto from 'onnx-proto';
import { type Architecture, paramLayout } from './architecture.ts';
import { logitsGraph } from './graphs.ts';

/** The ONNX bytes of `arch` at θ; loads in any ONNX runtime without esgrad. */
export function exportOnnx(arch: Architecture, thetaP: Float32Array): Uint8Array {
  const layout = paramLayout(arch);
  if (thetaP.length !== layout.size)
    throw new Error(`exportOnnx: θ has ${thetaP.length} values, ${arch.name} needs ${layout.size}`);
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(logitsGraph(arch));
  const graph = model.graph!;
  graph.name = arch.name;
  const params = new Set(layout.slices.map((s) => s.name));
  graph.input = (graph.input ?? []).filter((i) => !params.has(i.name ?? ''));
  graph.initializer ??= [];
  for (const s of layout.slices) {
    const values = thetaP.slice(s.offset, s.offset + s.size);
    graph.initializer.push({
      name: s.name,
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims: [...s.shape],
      rawData: new Uint8Array(values.buffer),
    });
  }
  return onnx.ModelProto.encode(model).finish();
}

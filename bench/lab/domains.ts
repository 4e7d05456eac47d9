// Lab/graphs helper: GraphBuilder has no op domains, so ops named "nchwc.X" are moved to domain
// com.microsoft.nchwc (opset 1) by rewriting the serialised model.
import onnxProto from 'onnx-proto';

export const NCHWC_PREFIX = 'nchwc.';

export function withNchwcDomain(bytes: Uint8Array): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(bytes);
  for (const n of model.graph!.node!) {
    if (n.opType?.startsWith(NCHWC_PREFIX)) {
      n.opType = n.opType.slice(NCHWC_PREFIX.length);
      n.domain = 'com.microsoft.nchwc';
    }
  }
  model.opsetImport!.push({ domain: 'com.microsoft.nchwc', version: 1 });
  return onnx.ModelProto.encode(model).finish();
}

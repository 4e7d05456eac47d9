// ONNX Runtime's NCHWc CPU kernels (com.microsoft.nchwc): ops are emitted as `nchwc.X` and moved to
// that domain when the graph is serialised; conv filters are reordered in-graph into the blocked
// layout the kernels read (bench/FINDINGS.md: 1.4-1.9x the standard Conv with computed weights).
import onnxProto from 'onnx-proto';
import type { GraphBuilder } from '../onnx-builder.ts';

/** Ops named `nchwc.X` are moved to the domain com.microsoft.nchwc (GraphBuilder has no domains). */
export const NCHWC = 'nchwc.';

export function withNchwcDomain(bytes: Uint8Array): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(bytes);
  for (const n of model.graph?.node ?? []) {
    if (n.opType?.startsWith(NCHWC))
      [n.opType, n.domain] = [n.opType.slice(NCHWC.length), 'com.microsoft.nchwc'];
  }
  model.opsetImport.push({ domain: 'com.microsoft.nchwc', version: 1 });
  return onnx.ModelProto.encode(model).finish();
}

/** OIHW filters in the layout ORT's NCHWc Conv reads: OIHWBo when I < block (NCHW input), else OIHWBiBo. */
export function nchwcFilter(
  g: GraphBuilder,
  w: string,
  [O, I, kh, kw]: readonly number[],
  bs: number,
): string {
  const c = (v: number[]): string => g.constant(v);
  const [split, perm] =
    I! < bs
      ? [
          [O! / bs, bs, I!, kh!, kw!],
          [0, 2, 3, 4, 1],
        ]
      : [
          [O! / bs, bs, I! / bs, bs, kh!, kw!],
          [0, 2, 4, 5, 3, 1],
        ];
  return g.op1('Reshape', [
    g.op1('Transpose', [g.op1('Reshape', [w, c(split)])], { perm }),
    c([O!, I!, kh!, kw!]),
  ]);
}

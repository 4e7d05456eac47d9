// Reads an ONNX file as esgrad sees it: θ = its float32 initializers in file order, the one data
// input and its example shape, the first output [N, classes]; anything unusable is a one-line UsageError.
import onnxProto from 'onnx-proto';
import type { ParamLayout, ParamSlice } from '../model/architecture.ts';
import { UsageError } from '../types.ts';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.ModelProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;

/**
 * An imported model. θ is every float32 initializer of the main graph with at least one value, in the
 * file's order, each slice named by its initializer name with its dims; every other initializer
 * (int64 shapes, float16, empty tensors, initializers inside If/Loop bodies) stays a constant.
 */
export interface ImportedOnnx {
  /** The decoded file (not modified). */
  readonly model: ModelProto;
  readonly layout: ParamLayout;
  /** The initializers' own values, in layout order. */
  readonly thetaP: Float32Array;
  /** The data input's name and its dims after the batch dim (e.g. [1, 28, 28] or [784]). */
  readonly input: { readonly name: string; readonly exampleDims: readonly number[] };
  /** The example shape esgrad feeds: [C,H,W] for a 4-D input, [1,H,W] for 3-D, [1,1,F] for 2-D. */
  readonly inputCHW: readonly [number, number, number];
  /** The first graph output, [N, classes]. */
  readonly output: { readonly name: string; readonly classes: number };
  /** Default-domain opset of the file. */
  readonly opset: number;
}

const dimsOf = (t: TensorProto): number[] => (t.dims ?? []).map((d) => Number(d));

/** The float32 values of an initializer held in the file (float_data or little-endian raw_data). */
function floatValues(t: TensorProto, size: number, fail: (why: string) => never): Float32Array {
  if (t.dataLocation === EXTERNAL || (t.externalData?.length ?? 0) > 0)
    fail(`initializer '${t.name}' keeps its data in an external file; save the model with its data inside`);
  if (t.floatData && t.floatData.length > 0) {
    if (t.floatData.length !== size)
      fail(`initializer '${t.name}' has ${t.floatData.length} values, not ${size}`);
    return Float32Array.from(t.floatData);
  }
  const raw = t.rawData ?? new Uint8Array(0);
  if (raw.length !== 4 * size) fail(`initializer '${t.name}' has ${raw.length} data bytes, not ${4 * size}`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Float32Array.from({ length: size }, (_, i) => view.getFloat32(4 * i, true));
}

/** A value's dims: a number when fixed, null when symbolic or unknown; undefined without a shape. */
function shapeOf(v: ValueInfo): (number | null)[] | undefined {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => (d.dimValue != null && d.dimParam == null ? Number(d.dimValue) : null));
}

function decode(file: string, bytes: Uint8Array): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new UsageError(`${file}: not an ONNX model (${(e as Error).message})`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0)
    throw new UsageError(`${file}: not an ONNX model (no graph nodes)`);
  return model;
}

/** Decodes and checks an ONNX file; `file` names it in messages. */
export function importOnnx(file: string, bytes: Uint8Array): ImportedOnnx {
  const fail = (why: string): never => {
    throw new UsageError(`${file}: ${why}`);
  };
  const model = decode(file, bytes);
  const graph = model.graph!;
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opsetVersion = opset ? Number(opset.version) : 0;
  if (opset && opsetVersion < 7) fail(`opset ${opsetVersion} is too old; esgrad needs opset 7 or later`);

  const slices: ParamSlice[] = [];
  const values: Float32Array[] = [];
  let offset = 0;
  for (const t of graph.initializer ?? []) {
    if (t.dataType !== FLOAT) continue;
    const shape = dimsOf(t);
    const size = shape.reduce((a, b) => a * b, 1);
    if (size === 0) continue;
    values.push(floatValues(t, size, fail));
    slices.push({ name: t.name ?? '', shape, offset, size });
    offset += size;
  }
  if (slices.length === 0) fail('has no float32 initializer: nothing for ES to train');
  const thetaP = new Float32Array(offset);
  for (const [i, s] of slices.entries()) thetaP.set(values[i]!, s.offset);

  const initNames = new Set([
    ...(graph.initializer ?? []).map((t) => t.name),
    ...(graph.sparseInitializer ?? []).map((t) => t.values?.name),
  ]);
  const dataInputs = (graph.input ?? []).filter((v) => !initNames.has(v.name));
  if (dataInputs.length !== 1) {
    const names = dataInputs.map((v) => `'${v.name}'`).join(', ');
    fail(`has ${dataInputs.length} data inputs${names ? ` (${names})` : ''}; esgrad feeds exactly one`);
  }
  const x = dataInputs[0]!;
  if (x.type?.tensorType?.elemType !== FLOAT) fail(`data input '${x.name}' is not float32`);
  const xShape = shapeOf(x);
  if (!xShape || xShape.length < 2 || xShape.length > 4)
    fail(
      `data input '${x.name}' must have 2, 3 or 4 dims ([N, ...]), it has ${xShape?.length ?? 'no shape'}`,
    );
  if (xShape![0] !== null)
    fail(
      `data input '${x.name}' has a fixed batch size ${xShape![0]}; export it with a symbolic (dynamic) first dim`,
    );
  const exampleDims = xShape!.slice(1);
  if (exampleDims.some((d) => d === null || d <= 0))
    fail(`data input '${x.name}' has symbolic dims after the batch dim; esgrad needs fixed example dims`);
  const e = exampleDims as number[];
  const inputCHW: [number, number, number] =
    e.length === 3 ? [e[0]!, e[1]!, e[2]!] : e.length === 2 ? [1, e[0]!, e[1]!] : [1, 1, e[0]!];

  const y = (graph.output ?? [])[0];
  if (!y) fail('has no graph output');
  if (y!.type?.tensorType?.elemType !== FLOAT) fail(`output '${y!.name}' is not float32`);
  const yShape = shapeOf(y!);
  if (yShape?.length !== 2 || yShape[1] === null || yShape[1]! <= 0)
    fail(`output '${y!.name}' must be [N, classes] with a fixed number of classes`);

  return {
    model,
    layout: { slices, size: offset },
    thetaP,
    input: { name: x.name ?? '', exampleDims: e },
    inputCHW,
    output: { name: y!.name ?? '', classes: yShape![1]! },
    opset: opsetVersion || 17,
  };
}

// A small builder for ONNX graphs: inputs, initializers, nodes with fresh names, outputs, and the
// serialised ModelProto bytes that onnxruntime loads. Every esgrad network graph is made with it.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type DType = 'float32' | 'int64';
/** A dimension: a fixed size, or a symbolic name for a size known only at run time. */
export type Dim = number | string;
export type AttrValue = number | number[] | string | { floats: number[] } | { float: number };

const ELEM: Record<DType, number> = { float32: 1, int64: 7 };
export const OPSET = 17;

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.FLOAT, f: v.float };
}

function valueInfo(name: string, dtype: DType, shape: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: ELEM[dtype], shape: { dim } } } };
}

/** Accumulates one graph. Node outputs get unique names from a prefix; returns them for chaining. */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, dtype: DType, shape: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  output(name: string, dtype: DType, shape: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, dtype, shape));
  }

  /** A constant tensor stored in the graph (int64 for shapes/axes, float32 for scalars). */
  constant(
    values: readonly number[],
    dtype: DType = 'int64',
    dims: readonly number[] = [values.length],
  ): string {
    const name = `const_${this.counter++}`;
    if (dtype === 'int64')
      this.inits.push({ name, dataType: ELEM.int64, dims: [...dims], int64Data: [...values] });
    else this.inits.push({ name, dataType: ELEM.float32, dims: [...dims], floatData: [...values] });
    return name;
  }

  /** Adds a node; returns its output names (`outputs` many, default one). */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    outputs = 1,
    outNames?: string[],
  ): string[] {
    const out =
      outNames ?? Array.from({ length: outputs }, () => `${opType.toLowerCase()}_${this.counter++}`);
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.nodes.push({
      opType,
      input: [...inputs],
      output: out,
      attribute: attribute_,
      name: `n${this.nodes.length}`,
    });
    return out;
  }

  /** Single-output shorthand for op(). */
  op1(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    outName?: string,
  ): string {
    return this.op(opType, inputs, attrs, 1, outName === undefined ? undefined : [outName])[0]!;
  }

  /** Serialised ModelProto (IR 8, default-domain opset OPSET). */
  toBytes(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'esgrad',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.name,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.inits,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

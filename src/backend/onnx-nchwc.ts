// Imported Convs whose filter is (perturbed) θ rewritten to ORT's NCHWc kernels: ORT only does this
// itself for constant filters, so the filter is reordered in-graph and the output reordered back.
import type onnxProto from 'onnx-proto';

type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;
type Attribute = onnxProto.onnx.IAttributeProto;

export const NCHWC_DOMAIN = 'com.microsoft.nchwc';
/** Conv attributes the NCHWc Conv takes over unchanged; a Conv with any other is left alone. */
const KEPT = new Set(['kernel_shape', 'pads', 'strides', 'dilations']);

const shapeName = (dims: readonly number[]): string => `nchwc/shape/${dims.join('x')}`;

function int64(name: string, values: readonly number[]): Tensor {
  return { name, dataType: 7, dims: [values.length], int64Data: [...values] };
}

/** Reshape → Transpose → Reshape of an OIHW filter into OIHWBo (NCHW input) or OIHWBiBo. */
function reorderFilter(w: string, [O, I, kh, kw]: readonly number[], bs: number, out: string): Node[] {
  const nchwIn = I! < bs;
  const split = nchwIn ? [O! / bs, bs, I!, kh!, kw!] : [O! / bs, bs, I! / bs, bs, kh!, kw!];
  const perm = nchwIn ? [0, 2, 3, 4, 1] : [0, 2, 4, 5, 3, 1];
  return [
    { opType: 'Reshape', input: [w, shapeName(split)], output: [`${out}/split`] },
    {
      opType: 'Transpose',
      input: [`${out}/split`],
      output: [`${out}/t`],
      attribute: [{ name: 'perm', type: 7, ints: perm }],
    },
    { opType: 'Reshape', input: [`${out}/t`, shapeName([O!, I!, kh!, kw!])], output: [out] },
  ];
}

function rewritable(n: Node, filterShape: readonly number[] | undefined, bs: number): boolean {
  if (n.opType !== 'Conv' || (n.domain && n.domain !== 'ai.onnx') || filterShape?.length !== 4) return false;
  const [O, I] = filterShape as [number, number];
  if (O % bs !== 0 || (I >= bs && I % bs !== 0)) return false;
  return (n.attribute ?? []).every(
    (a: Attribute) =>
      KEPT.has(a.name ?? '') ||
      (a.name === 'group' && Number(a.i) === 1) ||
      (a.name === 'auto_pad' && new TextDecoder().decode(a.s ?? new Uint8Array()) === 'NOTSET'),
  );
}

/**
 * `nodes` with every 2-D, ungrouped Conv whose filter is a tensor of `filterShapes` (and whose output
 * channels are a multiple of the block size `bs`) run as nchwc.Conv between ReorderInput (unless the
 * input has fewer than `bs` channels) and ReorderOutput; the shape constants those nodes read.
 */
export function withNchwcConvs(
  nodes: readonly Node[],
  filterShapes: ReadonlyMap<string, readonly number[]>,
  bs: number,
): { nodes: Node[]; constants: Tensor[] } {
  const out: Node[] = [];
  const shapes = new Map<string, readonly number[]>();
  for (const n of nodes) {
    const [x, w, b] = n.input ?? [];
    const wShape = filterShapes.get(w ?? '');
    if (bs <= 0 || !rewritable(n, wShape, bs) || (n.output ?? []).length !== 1) {
      out.push(n);
      continue;
    }
    const [O, I, kh, kw] = wShape as [number, number, number, number];
    const y = n.output![0]!;
    const at = `nchwc/${y}`;
    const filter = reorderFilter(w!, wShape!, bs, `${at}/filter`);
    const nchwIn = I < bs;
    shapes.set(shapeName([O, I, kh, kw]), [O, I, kh, kw]);
    const split = nchwIn ? [O / bs, bs, I, kh, kw] : [O / bs, bs, I / bs, bs, kh, kw];
    shapes.set(shapeName(split), split);
    const attrs = (n.attribute ?? []).filter((a) => KEPT.has(a.name ?? '') && a.name !== 'kernel_shape');
    out.push(...filter);
    if (!nchwIn) out.push({ opType: 'ReorderInput', domain: NCHWC_DOMAIN, input: [x!], output: [`${at}/x`] });
    out.push(
      {
        opType: 'Conv',
        domain: NCHWC_DOMAIN,
        input: [nchwIn ? x! : `${at}/x`, `${at}/filter`, ...(b ? [b] : [])],
        output: [`${at}/y`],
        attribute: [...attrs, { name: 'kernel_shape', type: 7, ints: [kh, kw] }],
      },
      {
        opType: 'ReorderOutput',
        domain: NCHWC_DOMAIN,
        input: [`${at}/y`],
        output: [y],
        attribute: [{ name: 'channels', type: 2, i: O }],
      },
    );
  }
  return { nodes: out, constants: [...shapes].map(([name, dims]) => int64(name, dims)) };
}

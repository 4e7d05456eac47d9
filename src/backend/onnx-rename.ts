// Copies of an imported graph's nodes under new value names (one copy per offspring), If/Loop/Scan
// bodies included, and the pruning that keeps only the nodes the chosen output needs.
import type onnxProto from 'onnx-proto';

type Node = onnxProto.onnx.INodeProto;
type Graph = onnxProto.onnx.IGraphProto;
type Attribute = onnxProto.onnx.IAttributeProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;

/** Maps a value name of the imported model to its name in the copy ('' = absent optional input stays ''). */
export type Rename = (name: string) => string;

/** Every value name a node reads, including the outer-scope names its subgraphs read (over-approximated). */
export function namesRead(node: Node): string[] {
  const names = [...(node.input ?? [])];
  for (const a of node.attribute ?? []) {
    for (const g of subgraphs(a)) for (const n of g.node ?? []) names.push(...namesRead(n));
  }
  return names.filter((n) => n !== '');
}

function subgraphs(a: Attribute): Graph[] {
  return [...(a.g ? [a.g] : []), ...(a.graphs ?? [])];
}

/** The nodes `output` depends on, in their original order. */
export function pruneTo(nodes: readonly Node[], output: string): Node[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) if (o !== '') producer.set(o, i);
  });
  const keep = new Set<number>();
  const stack = [output];
  while (stack.length > 0) {
    const i = producer.get(stack.pop()!);
    if (i === undefined || keep.has(i)) continue;
    keep.add(i);
    stack.push(...namesRead(nodes[i]!));
  }
  return nodes.filter((_, i) => keep.has(i));
}

function renameValueInfo(v: ValueInfo, rename: Rename): ValueInfo {
  return { ...v, name: rename(v.name ?? '') };
}

function renameAttribute(a: Attribute, rename: Rename, nodePrefix: string): Attribute {
  if (!a.g && (a.graphs ?? []).length === 0) return a;
  const copy: Attribute = { ...a };
  if (a.g) copy.g = renameGraph(a.g, rename, nodePrefix);
  if ((a.graphs ?? []).length > 0) copy.graphs = a.graphs!.map((g) => renameGraph(g, rename, nodePrefix));
  return copy;
}

/** A subgraph with every name renamed (its own values and the outer values it reads alike). */
function renameGraph(g: Graph, rename: Rename, nodePrefix: string): Graph {
  return {
    ...g,
    node: (g.node ?? []).map((n) => renameNode(n, rename, nodePrefix)),
    input: (g.input ?? []).map((v) => renameValueInfo(v, rename)),
    output: (g.output ?? []).map((v) => renameValueInfo(v, rename)),
    valueInfo: (g.valueInfo ?? []).map((v) => renameValueInfo(v, rename)),
    initializer: (g.initializer ?? []).map((t) => ({ ...t, name: rename(t.name ?? '') })),
    sparseInitializer: (g.sparseInitializer ?? []).map((s) => ({
      ...s,
      values: { ...s.values, name: rename(s.values?.name ?? '') },
    })),
  };
}

/**
 * The node with its inputs and outputs renamed, its name prefixed, and its subgraphs renamed the same
 * way. ONNX names are unique across a model (no shadowing), so one mapping serves every scope.
 */
export function renameNode(node: Node, rename: Rename, nodePrefix: string): Node {
  const copy: Node = {
    ...node,
    input: (node.input ?? []).map((n) => (n === '' ? '' : rename(n))),
    output: (node.output ?? []).map((n) => (n === '' ? '' : rename(n))),
    attribute: (node.attribute ?? []).map((a) => renameAttribute(a, rename, nodePrefix)),
  };
  if (node.name) copy.name = nodePrefix + node.name;
  return copy;
}

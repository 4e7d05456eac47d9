// The graphs an imported model runs as: its loss (θ initializers turned into inputs) and the population
// graph with K renamed copies side by side, copy k's parameters θ_j + c_k·e_k,j computed in-graph.
import onnxProto from 'onnx-proto';
import { IO } from '../model/graphs.ts';
import { GraphBuilder } from '../model/onnx-builder.ts';
import type { LossKind } from './model.ts';
import type { ImportedOnnx } from './onnx-import.ts';
import { emitImportedLoss } from './onnx-loss.ts';
import { NCHWC_DOMAIN, withNchwcConvs } from './onnx-nchwc.ts';
import { namesRead, pruneTo, type Rename, renameNode } from './onnx-rename.ts';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;

/** Graph input holding θ's tensor `param` (the imported initializer of that name). */
export const thetaInput = (param: string): string => `theta/${param}`;
/** The imported model's constants (non-θ initializers), shared by every copy. */
const constantName = (name: string): string => `const/${name}`;

/** What every graph of one imported model shares: its pruned nodes, constants and θ names. */
interface Parts {
  readonly nodes: Node[];
  readonly theta: ReadonlySet<string>;
  readonly constants: ReadonlySet<string>;
  /** θ tensors the output depends on (the others are declared and fed, but perturbed nowhere). */
  readonly used: ReadonlySet<string>;
}

function partsOf(imp: ImportedOnnx): Parts {
  const graph = imp.model.graph!;
  const nodes = pruneTo(graph.node ?? [], imp.output.name);
  const read = new Set(nodes.flatMap(namesRead));
  read.add(imp.output.name);
  const theta = new Set(imp.layout.slices.map((s) => s.name));
  const constants = new Set(
    [
      ...(graph.initializer ?? []).map((t) => t.name ?? ''),
      ...(graph.sparseInitializer ?? []).map((s) => s.values?.name ?? ''),
    ].filter((n) => !theta.has(n) && read.has(n)),
  );
  return { nodes, theta, constants, used: new Set([...theta].filter((n) => read.has(n))) };
}

/** Names of one copy: θ → `thetaName`, constants shared, the data input → `x`, every other value prefixed. */
function copyRename(imp: ImportedOnnx, parts: Parts, thetaName: Rename, x: string, prefix: string): Rename {
  return (n) =>
    parts.theta.has(n)
      ? thetaName(n)
      : parts.constants.has(n)
        ? constantName(n)
        : n === imp.input.name
          ? x
          : prefix + n;
}

interface Copy {
  readonly rename: Rename;
  readonly prefix: string;
}

/**
 * The builder's graph (inputs, perturbations, loss heads) with the copies' nodes spliced in before the
 * first node that reads them, the imported constants, opsets and functions; serialised.
 */
function assemble(
  imp: ImportedOnnx,
  parts: Parts,
  g: GraphBuilder,
  copies: readonly Copy[],
  nchwcBlock: number,
): Uint8Array {
  const model = onnx.ModelProto.decode(g.toBytes());
  const src = imp.model.graph!;
  const filterShapes = new Map(
    copies.flatMap((c) => imp.layout.slices.map((s) => [c.rename(s.name), s.shape])),
  );
  const nchwc = withNchwcConvs(
    copies.flatMap((c) => parts.nodes.map((n) => renameNode(n, c.rename, c.prefix))),
    filterShapes,
    nchwcBlock,
  );
  const copyNodes = nchwc.nodes;
  const produced = new Set(copyNodes.flatMap((n) => n.output ?? []));
  const nodes = [...(model.graph?.node ?? [])];
  const at = nodes.findIndex((n) => (n.input ?? []).some((i) => produced.has(i)));
  nodes.splice(at < 0 ? nodes.length : at, 0, ...copyNodes);
  const initializer = [...(model.graph?.initializer ?? []), ...nchwc.constants];
  for (const t of src.initializer ?? [])
    if (parts.constants.has(t.name ?? '')) initializer.push({ ...t, name: constantName(t.name ?? '') });
  const sparseInitializer = (src.sparseInitializer ?? [])
    .filter((s) => parts.constants.has(s.values?.name ?? ''))
    .map((s) => ({ ...s, values: { ...s.values, name: constantName(s.values?.name ?? '') } }));
  // Shapes the file states for intermediate values help ORT plan; keep them under the copies' names.
  const valueInfo = copies.flatMap((c) =>
    (src.valueInfo ?? [])
      .filter((v) => produced.has(c.rename(v.name ?? '')))
      .map((v) => ({ ...v, name: c.rename(v.name ?? '') })),
  );
  model.graph = { ...model.graph, node: nodes, initializer, sparseInitializer, valueInfo };
  const opsets = (imp.model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: o.version }));
  if (!opsets.some((o) => o.domain === '' || o.domain === 'ai.onnx'))
    opsets.push({ domain: '', version: 17 });
  if (nchwc.constants.length > 0) opsets.push({ domain: NCHWC_DOMAIN, version: 1 });
  model.opsetImport = opsets;
  model.irVersion = Math.max(Number(imp.model.irVersion ?? 0), 4);
  model.functions = imp.model.functions ?? [];
  return onnx.ModelProto.encode(model).finish();
}

function declareTheta(g: GraphBuilder, imp: ImportedOnnx): void {
  for (const s of imp.layout.slices) g.input(thetaInput(s.name), 'float32', s.shape);
}

const graphName = (imp: ImportedOnnx): string => imp.model.graph?.name || 'onnx';

/** Scalars `loss` and `correct` of the imported model at θ (inputs thetaInput(·)) on (x, one-hot y). */
export function importedLossGraph(imp: ImportedOnnx, kind: LossKind, nchwcBlock = 0): Uint8Array {
  const parts = partsOf(imp);
  const g = new GraphBuilder(`${graphName(imp)}-loss`);
  declareTheta(g, imp);
  g.input(IO.x, 'float32', ['B', ...imp.input.exampleDims]);
  g.input(IO.y, 'float32', ['B', imp.output.classes]);
  const copy: Copy = { rename: copyRename(imp, parts, thetaInput, IO.x, 'm:'), prefix: 'm:' };
  const { loss, correct } = emitImportedLoss(g, copy.rename(imp.output.name), IO.y, kind, true);
  g.op1('Identity', [loss], {}, IO.loss);
  g.op1('Identity', [correct!], {}, IO.correct);
  g.output(IO.loss, 'float32', []);
  g.output(IO.correct, 'float32', []);
  return assemble(imp, parts, g, [copy], nchwcBlock);
}

export interface ImportedPopulationOptions {
  /** One batch (IO.x, IO.y) for every copy instead of one per copy (IO.xk, IO.yk). */
  readonly sharedBatch: boolean;
  /** Copies 2u and 2u+1 read one noise window: inputs IO.noise(u, ·) for u < K/2. */
  readonly pairs: boolean;
  /**
   * Block size of ORT's NCHWc kernels (nchwcBlockSize in session.ts), 0 = standard ops only: 2-D Convs
   * with a θ filter then run as nchwc.Conv with the filter reordered in-graph (see withNchwcConvs).
   */
  readonly nchwcBlock?: number;
}

/**
 * `losses` [K]: copy k of the imported graph (values renamed `k{k}:…`) runs with parameters
 * θ_j + c_k·e_u,j (inputs thetaInput(j), IO.noise(u, j) with u = k, or k/2 for pairs, and IO.coef(k)),
 * on the shared batch or its own; its loss as in importedLossGraph.
 */
export function importedPopulationGraph(
  imp: ImportedOnnx,
  kind: LossKind,
  K: number,
  opts: ImportedPopulationOptions,
): Uint8Array {
  const M = opts.pairs ? 2 : 1;
  if (K % M !== 0) throw new Error(`importedPopulationGraph: ${K} copies cannot form mirrored pairs`);
  const parts = partsOf(imp);
  const g = new GraphBuilder(`${graphName(imp)}-population-${K}`);
  declareTheta(g, imp);
  for (let u = 0; u < K / M; u++)
    for (const s of imp.layout.slices) g.input(IO.noise(u, s.name), 'float32', s.shape);
  const copies: Copy[] = [];
  for (let k = 0; k < K; k++) {
    g.input(IO.coef(k), 'float32', []);
    const perturbed = (j: string): string => `k${k}/${j}`;
    for (const j of parts.used)
      g.op1(
        'Add',
        [thetaInput(j), g.op1('Mul', [IO.noise(Math.floor(k / M), j), IO.coef(k)])],
        {},
        perturbed(j),
      );
    const x = opts.sharedBatch ? IO.x : IO.xk(k);
    copies.push({ rename: copyRename(imp, parts, perturbed, x, `k${k}:`), prefix: `k${k}:` });
  }
  if (opts.sharedBatch) {
    g.input(IO.x, 'float32', ['B', ...imp.input.exampleDims]);
    g.input(IO.y, 'float32', ['B', imp.output.classes]);
  }
  const one = g.constant([1]);
  const losses = copies.map((c, k) => {
    let y: string = IO.y;
    if (!opts.sharedBatch) {
      g.input(IO.xk(k), 'float32', [`B${k}`, ...imp.input.exampleDims]);
      y = g.input(IO.yk(k), 'float32', [`B${k}`, imp.output.classes]);
    }
    const { loss } = emitImportedLoss(g, c.rename(imp.output.name), y, kind, false);
    return g.op1('Reshape', [loss, one]);
  });
  g.op1('Concat', losses, { axis: 0 }, IO.losses);
  g.output(IO.losses, 'float32', [K]);
  return assemble(imp, parts, g, copies, opts.nchwcBlock ?? 0);
}

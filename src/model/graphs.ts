// The ONNX graphs esgrad runs, as serialised models: logits, loss + accuracy, loss + gradient of all
// of θ, and (population/) the population graph that evaluates K perturbed copies θ + c_k·ε_k in one run.
import { type Architecture, lossKind, numClasses, paramLayout } from './architecture.ts';
import { emitBackward } from './backward.ts';
import { emitForward, emitLoss, paramInputNames } from './forward.ts';
import { IO } from './io.ts';
import { GraphBuilder } from './onnx-builder.ts';
import { withNchwcDomain } from './population/nchwc.ts';

export { IO } from './io.ts';
export type { PopulationGraphOptions } from './population/context.ts';
export { populationGraph } from './population/graph.ts';

function declareParams(g: GraphBuilder, arch: Architecture, prefix = ''): Map<string, string> {
  const layout = paramLayout(arch);
  for (const s of layout.slices) g.input(prefix + s.name, 'float32', s.shape);
  return paramInputNames(layout, prefix);
}

function declareBatch(g: GraphBuilder, arch: Architecture, x: string, y: string): void {
  g.input(x, 'float32', ['B', ...arch.inputCHW]);
  g.input(y, 'float32', ['B', numClasses(arch)]);
}

export interface GradGraphOptions {
  /**
   * Block size of ONNX Runtime's NCHWc CPU kernels (nchwcBlockSize in backend/session.ts): convs and
   * max pools then run as com.microsoft.nchwc ops, forward and backward (blocked.ts). 0 (default)
   * uses standard ONNX ops only.
   */
  readonly nchwcBlock?: number;
}

/** The model bytes, in the NCHWc domain when the graph uses its ops. */
const finish = (g: GraphBuilder, bs: number): Uint8Array =>
  bs > 0 ? withNchwcDomain(g.toBytes()) : g.toBytes();

/** logits [B, classes] from θ (one input per parameter tensor) and x [B, C, H, W]. */
export function logitsGraph(arch: Architecture, opts: GradGraphOptions = {}): Uint8Array {
  const bs = opts.nchwcBlock ?? 0;
  const g = new GraphBuilder(`${arch.name}-logits`);
  const params = declareParams(g, arch);
  g.input(IO.x, 'float32', ['B', ...arch.inputCHW]);
  const { logits } = emitForward(g, arch, params, IO.x, false, bs);
  g.op1('Identity', [logits], {}, IO.logits);
  g.output(IO.logits, 'float32', ['B', numClasses(arch)]);
  return finish(g, bs);
}

/** The mean `loss` (the architecture's loss kind) and the count of correct predictions `correct` on (x, one-hot y). */
export function lossGraph(arch: Architecture, opts: GradGraphOptions = {}): Uint8Array {
  const bs = opts.nchwcBlock ?? 0;
  const g = new GraphBuilder(`${arch.name}-loss`);
  const params = declareParams(g, arch);
  declareBatch(g, arch, IO.x, IO.y);
  const { logits } = emitForward(g, arch, params, IO.x, false, bs);
  const { loss, correct } = emitLoss(g, lossKind(arch), logits, IO.y, false);
  g.op1('Identity', [loss], {}, IO.loss);
  g.op1('Identity', [correct], {}, IO.correct);
  g.output(IO.loss, 'float32', []);
  g.output(IO.correct, 'float32', []);
  return finish(g, bs);
}

/** Like lossGraph, plus `grad` [P]: dLoss/dθ in ParamLayout order, by the derived backward pass. */
export function gradGraph(arch: Architecture, opts: GradGraphOptions = {}): Uint8Array {
  const bs = opts.nchwcBlock ?? 0;
  const layout = paramLayout(arch);
  const g = new GraphBuilder(`${arch.name}-grad`);
  const params = declareParams(g, arch);
  declareBatch(g, arch, IO.x, IO.y);
  const { logits, traces } = emitForward(g, arch, params, IO.x, true, bs);
  const { loss, correct, dLogits } = emitLoss(g, lossKind(arch), logits, IO.y, true);
  const grad = emitBackward(g, arch, layout, params, traces, dLogits!, bs);
  g.op1('Identity', [loss], {}, IO.loss);
  g.op1('Identity', [correct], {}, IO.correct);
  g.op1('Identity', [grad], {}, IO.grad);
  g.output(IO.loss, 'float32', []);
  g.output(IO.correct, 'float32', []);
  g.output(IO.grad, 'float32', [layout.size]);
  return finish(g, bs);
}

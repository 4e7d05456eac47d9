// The ONNX graphs esgrad runs, as serialised models: logits, loss + accuracy, loss + gradient of all
// of θ, and the population graph that evaluates K perturbed copies θ + c_k·ε_k in one run.
import { numClasses, paramLayout, type Architecture } from './architecture.ts';
import { emitBackward } from './backward.ts';
import { emitCrossEntropy, emitForward, paramInputNames } from './forward.ts';
import { GraphBuilder } from './onnx-builder.ts';

/** Graph input/output names shared by the graph builders and the sessions that feed them. */
export const IO = {
  x: 'x', y: 'y', logits: 'logits', loss: 'loss', correct: 'correct', grad: 'grad', losses: 'losses',
  /** Per-copy inputs of the population graph. */
  noise: (k: number, param: string) => `e${k}/${param}`,
  coef: (k: number) => `c${k}`,
  xk: (k: number) => `x${k}`,
  yk: (k: number) => `y${k}`,
} as const;

function declareParams(g: GraphBuilder, arch: Architecture, prefix = ''): Map<string, string> {
  const layout = paramLayout(arch);
  for (const s of layout.slices) g.input(prefix + s.name, 'float32', s.shape);
  return paramInputNames(layout, prefix);
}

function declareBatch(g: GraphBuilder, arch: Architecture, x: string, y: string): void {
  g.input(x, 'float32', ['B', ...arch.inputCHW]);
  g.input(y, 'float32', ['B', numClasses(arch)]);
}

/** logits [B, classes] from θ (one input per parameter tensor) and x [B, C, H, W]. */
export function logitsGraph(arch: Architecture): Uint8Array {
  const g = new GraphBuilder(`${arch.name}-logits`);
  const params = declareParams(g, arch);
  g.input(IO.x, 'float32', ['B', ...arch.inputCHW]);
  const { logits } = emitForward(g, arch, params, IO.x);
  g.op1('Identity', [logits], {}, IO.logits);
  g.output(IO.logits, 'float32', ['B', numClasses(arch)]);
  return g.toBytes();
}

/** Mean cross-entropy `loss` and the count of correct predictions `correct` on (x, one-hot y). */
export function lossGraph(arch: Architecture): Uint8Array {
  const g = new GraphBuilder(`${arch.name}-loss`);
  const params = declareParams(g, arch);
  declareBatch(g, arch, IO.x, IO.y);
  const { logits } = emitForward(g, arch, params, IO.x);
  const { loss, correct } = emitCrossEntropy(g, logits, IO.y, false);
  g.op1('Identity', [loss], {}, IO.loss);
  g.op1('Identity', [correct], {}, IO.correct);
  g.output(IO.loss, 'float32', []);
  g.output(IO.correct, 'float32', []);
  return g.toBytes();
}

/** Like lossGraph, plus `grad` [P]: dLoss/dθ in ParamLayout order, by the derived backward pass. */
export function gradGraph(arch: Architecture): Uint8Array {
  const layout = paramLayout(arch);
  const g = new GraphBuilder(`${arch.name}-grad`);
  const params = declareParams(g, arch);
  declareBatch(g, arch, IO.x, IO.y);
  const { logits, traces } = emitForward(g, arch, params, IO.x, true);
  const { loss, correct, dLogits } = emitCrossEntropy(g, logits, IO.y, true);
  const grad = emitBackward(g, arch, layout, params, traces, dLogits!);
  g.op1('Identity', [loss], {}, IO.loss);
  g.op1('Identity', [correct], {}, IO.correct);
  g.op1('Identity', [grad], {}, IO.grad);
  g.output(IO.loss, 'float32', []);
  g.output(IO.correct, 'float32', []);
  g.output(IO.grad, 'float32', [layout.size]);
  return g.toBytes();
}

/**
 * `losses` [K]: the mean cross-entropy of copy k, whose parameters are θ_j + c_k·e_k,j for every
 * parameter tensor j, on its own batch (x_k, y_k). A shared batch binds one tensor to every x_k.
 * The perturbation is computed inside the graph from noise inputs that are zero-copy views of the
 * noise table, so no JS loop ever touches K×P floats.
 */
export function populationGraph(arch: Architecture, copies: number): Uint8Array {
  const layout = paramLayout(arch);
  const g = new GraphBuilder(`${arch.name}-population-${copies}`);
  const params = declareParams(g, arch);
  const losses: string[] = [];
  const one = g.constant([1]);
  for (let k = 0; k < copies; k++) {
    const coef = g.input(IO.coef(k), 'float32', []);
    const perturbed = new Map<string, string>();
    for (const s of layout.slices) {
      const noise = g.input(IO.noise(k, s.name), 'float32', s.shape);
      perturbed.set(s.name, g.op1('Add', [params.get(s.name)!, g.op1('Mul', [noise, coef])]));
    }
    declareBatch(g, arch, IO.xk(k), IO.yk(k));
    const { logits } = emitForward(g, arch, perturbed, IO.xk(k));
    const { loss } = emitCrossEntropy(g, logits, IO.yk(k), false);
    losses.push(g.op1('Reshape', [loss, one]));
  }
  g.op1('Concat', losses, { axis: 0 }, IO.losses);
  g.output(IO.losses, 'float32', [copies]);
  return g.toBytes();
}

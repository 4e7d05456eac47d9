// Lab baseline: the population graph as it was before bench/ work (commit 97e22c2): K independent
// per-copy subgraphs, each perturbing every parameter tensor with Mul + Add, standard ONNX ops.
import { type Architecture, numClasses, paramLayout } from '../../src/model/architecture.ts';
import { emitCrossEntropy, emitForward, paramInputNames } from '../../src/model/forward.ts';
import { IO } from '../../src/model/graphs.ts';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';

export function oldPopulationGraph(arch: Architecture, copies: number): Uint8Array {
  const layout = paramLayout(arch);
  const g = new GraphBuilder(`${arch.name}-population-${copies}`);
  for (const s of layout.slices) g.input(s.name, 'float32', s.shape);
  const params = paramInputNames(layout);
  const losses: string[] = [];
  const one = g.constant([1]);
  for (let k = 0; k < copies; k++) {
    const coef = g.input(IO.coef(k), 'float32', []);
    const perturbed = new Map<string, string>();
    for (const s of layout.slices) {
      const noise = g.input(IO.noise(k, s.name), 'float32', s.shape);
      perturbed.set(s.name, g.op1('Add', [params.get(s.name)!, g.op1('Mul', [noise, coef])]));
    }
    g.input(IO.xk(k), 'float32', ['B', ...arch.inputCHW]);
    g.input(IO.yk(k), 'float32', ['B', numClasses(arch)]);
    const { logits } = emitForward(g, arch, perturbed, IO.xk(k));
    const { loss } = emitCrossEntropy(g, logits, IO.yk(k), false);
    losses.push(g.op1('Reshape', [loss, one]));
  }
  g.op1('Concat', losses, { axis: 0 }, IO.losses);
  g.output(IO.losses, 'float32', [copies]);
  return g.toBytes();
}

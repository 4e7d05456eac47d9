// The loss of each of the K copies from the last layer's [B, K, classes]: `losses` [K], the mean over
// the batch of the cross-entropy, or of the mean squared error against the one-hot label.
import type { LossKind } from '../architecture.ts';
import { IO } from '../io.ts';
import type { Layout, Population } from './context.ts';

export function emitPopulationLoss(
  pop: Population,
  kind: LossKind,
  classes: number,
  sharedBatch: boolean,
  h: Layout,
): void {
  const { g, ks } = pop;
  if (h.kind !== 'flat') throw new Error(`the population loss needs [B, K, classes], not a ${h.kind} layout`);
  const y = sharedBatch
    ? g.op1('Unsqueeze', [g.input(IO.y, 'float32', ['B', classes]), pop.c([1])])
    : g.op1(
        'Concat',
        ks.map((k) => g.op1('Unsqueeze', [g.input(IO.yk(k), 'float32', ['B', classes]), pop.c([1])])),
        { axis: 1 },
      ); // [B, 1 or K, classes]
  if (kind === 'mse') {
    const diff = g.op1('Sub', [h.h, y]);
    g.op1('ReduceMean', [g.op1('Mul', [diff, diff])], { axes: [0, 2], keepdims: 0 }, IO.losses);
  } else {
    const nll = g.op1(
      'ReduceSum',
      [g.op1('Mul', [g.op1('LogSoftmax', [h.h], { axis: -1 }), y]), pop.c([2])],
      { keepdims: 0 },
    ); // [B, K]
    g.op1('Neg', [g.op1('ReduceMean', [nll], { axes: [0], keepdims: 0 })], {}, IO.losses);
  }
  g.output(IO.losses, 'float32', [pop.K]);
}

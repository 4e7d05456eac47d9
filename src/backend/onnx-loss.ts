// The loss put on an imported model's output, with ops whose meaning is the same from opset 7 on
// (an imported file keeps its own opset): softmax cross-entropy or mean squared error vs one-hot y.

import type { GraphBuilder } from '../model/onnx-builder.ts';
import type { LossKind } from './model.ts';

/**
 * Scalar `loss` of out [B, classes] against one-hot y [B, classes]:
 * - 'cross-entropy': mean over the batch of −Σ_c y_c·log softmax(out)_c (model/forward.ts emitCrossEntropy's
 *   loss, computed as −Σ_{b,c}/B because ReduceSum's axes moved from attribute to input at opset 13);
 * - 'mse': mean over the batch AND the outputs of (out − y)² (emitMse's loss, the same ops).
 * With `withCorrect`, also `correct`: the float count of rows whose argmax of out is the label's.
 */
export function emitImportedLoss(
  g: GraphBuilder,
  out: string,
  y: string,
  kind: LossKind,
  withCorrect: boolean,
): { loss: string; correct?: string } {
  let loss: string;
  if (kind === 'mse') {
    const d = g.op1('Sub', [out, y]);
    loss = g.op1('ReduceMean', [g.op1('Mul', [d, d])], { keepdims: 0 });
  } else {
    // Reduce* without axes reduces every axis in every opset: Σ over batch and classes, then / B.
    const logp = g.op1('LogSoftmax', [out], { axis: 1 });
    const sum = g.op1('ReduceSum', [g.op1('Mul', [logp, y])], { keepdims: 0 });
    const batch = g.op1('Cast', [g.op1('Gather', [g.op1('Shape', [out]), g.constant([0], 'int64', [])])], {
      to: 1,
    });
    loss = g.op1('Neg', [g.op1('Div', [sum, batch])]);
  }
  if (!withCorrect) return { loss };
  const hit = g.op1('Equal', [
    g.op1('ArgMax', [out], { axis: 1, keepdims: 0 }),
    g.op1('ArgMax', [y], { axis: 1, keepdims: 0 }),
  ]);
  const correct = g.op1('ReduceSum', [g.op1('Cast', [hit], { to: 1 })], { keepdims: 0 });
  return { loss, correct };
}

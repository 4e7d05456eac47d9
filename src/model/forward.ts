// Emits the forward pass of an architecture and the softmax cross-entropy into a GraphBuilder,
// recording per layer the tensors the backward pass needs (layer input, output, pooling indices).
import type { Architecture, ParamLayout } from './architecture.ts';
import type { GraphBuilder } from './onnx-builder.ts';

/** What backward needs of one layer: its input and output tensor names, and MaxPool's argmax indices. */
export interface LayerTrace {
  readonly input: string;
  readonly output: string;
  readonly indices?: string;
}

/** Maps a parameter name of the layout (e.g. "fc1.weight") to the graph tensor holding it. */
export type ParamNames = ReadonlyMap<string, string>;

export function paramInputNames(layout: ParamLayout, prefix = ''): Map<string, string> {
  return new Map(layout.slices.map((s) => [s.name, prefix + s.name]));
}

function param(params: ParamNames, name: string): string {
  const t = params.get(name);
  if (t === undefined) throw new Error(`graph has no tensor for parameter ${name}`);
  return t;
}

/** Emits logits = f(x; θ). With `trace`, MaxPool also outputs its indices for the backward pass. */
export function emitForward(
  g: GraphBuilder,
  arch: Architecture,
  params: ParamNames,
  x: string,
  trace = false,
): { logits: string; traces: LayerTrace[] } {
  const traces: LayerTrace[] = [];
  let h = x;
  let nConv = 0,
    nDense = 0;
  for (const layer of arch.layers) {
    const input = h;
    let indices: string | undefined;
    switch (layer.kind) {
      case 'conv2d': {
        nConv++;
        const p = Math.floor(layer.kernel / 2);
        h = g.op1('Conv', [h, param(params, `conv${nConv}.weight`), param(params, `conv${nConv}.bias`)], {
          kernel_shape: [layer.kernel, layer.kernel],
          pads: [p, p, p, p],
          strides: [1, 1],
        });
        break;
      }
      case 'relu':
        h = g.op1('Relu', [h]);
        break;
      case 'maxpool2': {
        const attrs = { kernel_shape: [2, 2], strides: [2, 2] };
        if (trace) [h, indices] = g.op('MaxPool', [h], attrs, 2) as [string, string];
        else h = g.op1('MaxPool', [h], attrs);
        break;
      }
      case 'flatten':
        h = g.op1('Flatten', [h], { axis: 1 });
        break;
      case 'dense':
        nDense++;
        h = g.op1('Gemm', [h, param(params, `fc${nDense}.weight`), param(params, `fc${nDense}.bias`)]);
        break;
    }
    traces.push(indices === undefined ? { input, output: h } : { input, output: h, indices });
  }
  return { logits: h, traces };
}

/**
 * Mean softmax cross-entropy of logits [B,K] against one-hot targets y [B,K], the number of correct
 * argmax predictions (float scalar), and optionally dLoss/dLogits = (softmax - y) / B.
 */
export function emitCrossEntropy(
  g: GraphBuilder,
  logits: string,
  y: string,
  withGrad: boolean,
): { loss: string; correct: string; dLogits?: string } {
  const logp = g.op1('LogSoftmax', [logits], { axis: 1 });
  const axis1 = g.constant([1]);
  const nll = g.op1('Neg', [g.op1('ReduceSum', [g.op1('Mul', [logp, y]), axis1], { keepdims: 0 })]);
  const loss = g.op1('ReduceMean', [nll], { keepdims: 0 });
  const hit = g.op1('Equal', [
    g.op1('ArgMax', [logits], { axis: 1, keepdims: 0 }),
    g.op1('ArgMax', [y], { axis: 1, keepdims: 0 }),
  ]);
  const correct = g.op1('ReduceSum', [g.op1('Cast', [hit], { to: 1 })], { keepdims: 0 });
  if (!withGrad) return { loss, correct };
  const batch = g.op1('Cast', [g.op1('Gather', [g.op1('Shape', [logits]), g.constant([0], 'int64', [])])], {
    to: 1,
  });
  const dLogits = g.op1('Div', [g.op1('Sub', [g.op1('Exp', [logp]), y]), batch]);
  return { loss, correct, dLogits };
}

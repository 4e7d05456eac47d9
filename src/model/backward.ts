// Emits the backward pass, derived per layer type, from dLoss/dLogits down to every parameter, and
// concatenates the parameter gradients into one flat [P] tensor in ParamLayout order.
import type { Architecture, ParamLayout } from './architecture.ts';
import type { LayerTrace, ParamNames } from './forward.ts';
import type { GraphBuilder } from './onnx-builder.ts';

const SWAP01 = { perm: [1, 0, 2, 3] };

/** Returns the name of the flat gradient tensor [P]. */
export function emitBackward(
  g: GraphBuilder,
  arch: Architecture,
  layout: ParamLayout,
  params: ParamNames,
  traces: readonly LayerTrace[],
  dLogits: string,
): string {
  const grads = new Map<string, string>();
  let nConv = arch.layers.filter((l) => l.kind === 'conv2d').length;
  let nDense = arch.layers.filter((l) => l.kind === 'dense').length;
  // The input gradient is not needed below the first layer that has parameters.
  const firstParamLayer = arch.layers.findIndex((l) => l.kind === 'conv2d' || l.kind === 'dense');
  let dY = dLogits;
  for (let i = arch.layers.length - 1; i >= firstParamLayer; i--) {
    const layer = arch.layers[i]!;
    const t = traces[i]!;
    const needDx = i > firstParamLayer;
    switch (layer.kind) {
      case 'dense': {
        const w = params.get(`fc${nDense}.weight`)!;
        grads.set(`fc${nDense}.weight`, g.op1('Gemm', [t.input, dY], { transA: 1 }));
        grads.set(`fc${nDense}.bias`, g.op1('ReduceSum', [dY, g.constant([0])], { keepdims: 0 }));
        if (needDx) dY = g.op1('Gemm', [dY, w], { transB: 1 });
        nDense--;
        break;
      }
      case 'conv2d': {
        const w = params.get(`conv${nConv}.weight`)!;
        const p = Math.floor(layer.kernel / 2);
        const pads = [p, p, p, p];
        // dW[co,ci] = Σ_b dY[b,co] ⋆ X[b,ci]: a convolution with batch and channels swapped.
        const xT = g.op1('Transpose', [t.input], SWAP01);
        const dyT = g.op1('Transpose', [dY], SWAP01);
        grads.set(`conv${nConv}.weight`, g.op1('Transpose', [g.op1('Conv', [xT, dyT], { pads })], SWAP01));
        grads.set(`conv${nConv}.bias`, g.op1('ReduceSum', [dY, g.constant([0, 2, 3])], { keepdims: 0 }));
        if (needDx)
          dY = g.op1('ConvTranspose', [dY, w], { kernel_shape: [layer.kernel, layer.kernel], pads });
        nConv--;
        break;
      }
      case 'relu':
        dY = g.op1('Mul', [dY, g.op1('Sign', [t.output])]);
        break;
      case 'maxpool2':
        if (t.indices === undefined)
          throw new Error('backward needs MaxPool indices: emit the forward with trace');
        dY = g.op1('MaxUnpool', [dY, t.indices, g.op1('Shape', [t.input])], {
          kernel_shape: [2, 2],
          strides: [2, 2],
        });
        break;
      case 'flatten':
        dY = g.op1('Reshape', [dY, g.op1('Shape', [t.input])]);
        break;
    }
  }
  const flat = g.constant([-1]);
  const parts = layout.slices.map((s) => g.op1('Reshape', [grads.get(s.name)!, flat]));
  return g.op1('Concat', parts, { axis: 0 });
}

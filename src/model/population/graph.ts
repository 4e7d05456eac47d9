// The population graph: K perturbed copies θ + c_k·ε_k of a network evaluated in one ONNX run, one
// emitter per layer kind (conv.ts, pool.ts, activation.ts, flatten.ts, dense.ts, loss.ts) passing
// the copies' layout (context.ts) from layer to layer.
import {
  type Architecture,
  isActivation,
  layerInputShapes,
  layerParamNames,
  lossKind,
  numClasses,
} from '../architecture.ts';
import { IO } from '../io.ts';
import { emitElementwise } from './activation.ts';
import { type Layout, Population, type PopulationGraphOptions, type Site } from './context.ts';
import { emitConv } from './conv.ts';
import { emitDense } from './dense.ts';
import { emitFlatten } from './flatten.ts';
import { emitPopulationLoss } from './loss.ts';
import { withNchwcDomain } from './nchwc.ts';
import { emitPool } from './pool.ts';

export type { PopulationGraphOptions } from './context.ts';

/**
 * `losses` [K]: the mean loss of copy k, whose parameters are θ_j + c_k·e_k,j for every parameter
 * tensor j (noise inputs are zero-copy views of the noise table), on its own batch or on the shared
 * one. Copies run side by side, not one subgraph each: conv activations are [B, K·C, H, W] with copy k
 * in channel group k (the first conv on a shared batch is ONE Conv with the K filter banks stacked;
 * later convs are grouped, group = K); dense activations are [B, K, F] and a dense layer is computed
 * as h·W + c_k·(h_k·e_k) + b + c_k·e_b, so the K perturbed copies of a big weight matrix are never
 * materialised. Layers before the first conv or dense run once on a shared batch.
 */
export function populationGraph(
  arch: Architecture,
  copies: number,
  opts: PopulationGraphOptions = {},
): Uint8Array {
  const pop = new Population(arch, copies, opts);
  const { g, ks } = pop;
  const inShapes = layerInputShapes(arch);
  const params = layerParamNames(arch);
  const [C0, H0, W0] = arch.inputCHW;
  let h: Layout;
  if (opts.sharedBatch) h = { kind: 'shared', h: g.input(IO.x, 'float32', ['B', C0, H0, W0]) };
  else {
    h = { kind: 'perCopy', xs: ks.map((k) => g.input(IO.xk(k), 'float32', ['B', C0, H0, W0])) };
    if (arch.layers[0]?.kind !== 'conv2d') h = pop.grouped(h);
  }
  for (let i = 0; i < arch.layers.length; i++) {
    const layer = arch.layers[i]!;
    const p = params[i];
    const site: Site = p ? { inShape: inShapes[i]!, params: p } : { inShape: inShapes[i]! };
    switch (layer.kind) {
      case 'conv2d': {
        const next = arch.layers[i + 1];
        const activation = isActivation(next) ? next : undefined;
        h = emitConv(pop, layer, site, h, activation);
        if (activation) i++; // consumed (fused into an NCHWc Conv)
        break;
      }
      case 'maxpool':
      case 'avgpool':
        h = emitPool(pop, layer, site, h);
        break;
      case 'relu':
      case 'tanh':
      case 'sigmoid':
      case 'leaky-relu':
        h = emitElementwise(pop, layer, h);
        break;
      case 'flatten':
        h = emitFlatten(pop, site, h);
        break;
      case 'dense':
        h = emitDense(pop, layer, site, h);
        break;
    }
  }
  emitPopulationLoss(pop, lossKind(arch), numClasses(arch), opts.sharedBatch === true, h);
  return pop.bs > 0 ? withNchwcDomain(g.toBytes()) : g.toBytes();
}

// maxpool and avgpool of K copies: one pooling op over whatever layout the copies are in (a shared
// batch is pooled once for all of them); the NCHWc kernel when the input is blocked.
import { type PoolSpec, poolGeometry } from '../architecture.ts';
import type { Layout, Population, Site } from './context.ts';

export function emitPool(pop: Population, layer: PoolSpec, site: Site, h: Layout): Layout {
  const x = pop.grouped(h);
  if (x.kind !== 'shared' && x.kind !== 'grouped')
    throw new Error(`${layer.kind} on a flat ${x.kind} layout`);
  const { kernel, stride } = poolGeometry(layer, site.inShape);
  const op = layer.kind === 'maxpool' ? 'MaxPool' : 'AveragePool';
  const blocked = x.kind === 'grouped' && x.blocked;
  const out = pop.g.op1(blocked ? `nchwc.${op}` : op, [x.h], {
    kernel_shape: [kernel, kernel],
    strides: [stride, stride],
  });
  return { ...x, h: out };
}

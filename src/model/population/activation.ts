// relu, tanh, sigmoid, leaky-relu of K copies: elementwise, so in any layout (blocked or not) as is.
import type { ActivationSpec } from '../architecture.ts';
import { emitActivation } from '../forward.ts';
import type { Layout, Population } from './context.ts';

export function emitElementwise(pop: Population, layer: ActivationSpec, h: Layout): Layout {
  if (h.kind === 'perCopy') return { kind: 'perCopy', xs: h.xs.map((x) => emitActivation(pop.g, layer, x)) };
  return { ...h, h: emitActivation(pop.g, layer, h.h) };
}

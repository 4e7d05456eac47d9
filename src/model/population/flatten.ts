// flatten of K copies: back to NCHW, then [B, F] for a shared batch, [B, K, F] for copies (copy k's
// channels are contiguous, so its C·H·W values stay in NCHW order). Already flat: nothing to do.
import type { Layout, Population, Site } from './context.ts';

export function emitFlatten(pop: Population, site: Site, h: Layout): Layout {
  if (h.kind === 'flat' || h.kind === 'sharedFlat') return h;
  const x = pop.grouped(pop.unblocked(h, site.inShape));
  if (x.kind === 'shared') return { kind: 'sharedFlat', h: pop.g.op1('Flatten', [x.h], { axis: 1 }) };
  if (x.kind !== 'grouped') throw new Error(`flatten on a ${x.kind} layout`);
  const f = site.inShape.reduce((a, b) => a * b, 1);
  return { kind: 'flat', h: pop.g.op1('Reshape', [x.h, pop.c([0, pop.K, f])]) };
}

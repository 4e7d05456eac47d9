// conv2d of K copies. Shared batch: ONE Conv with the K filter banks stacked; own batches: one Conv
// per copy on its input; after that, a grouped Conv (group = K) over the channel groups. With NCHWc
// kernels (block size bs) when the channel counts allow: the perturbed filters reordered in-graph, a
// following activation fused, the output left blocked for the next NCHWc op.
import { type ActivationSpec, type Conv2dSpec, convGeometry, leakyAlpha } from '../architecture.ts';
import { convAttrs, emitActivation } from '../forward.ts';
import type { AttrValue } from '../onnx-builder.ts';
import type { Layout, Population, Site } from './context.ts';
import { nchwcFilter } from './nchwc.ts';

/** The `activation` attributes of an NCHWc Conv that fuses `act` (ORT's fused-activation kinds). */
function fusedActivation(act: ActivationSpec | undefined): Record<string, AttrValue> {
  switch (act?.kind) {
    case undefined:
      return {};
    case 'relu':
      return { activation: 'Relu' };
    case 'tanh':
      return { activation: 'Tanh' };
    case 'sigmoid':
      return { activation: 'Sigmoid' };
    case 'leaky-relu':
      return { activation: 'LeakyRelu', activation_params: { floats: [leakyAlpha(act)] } };
  }
}

/**
 * Emits the conv layer at `site` on `h`, followed by `activation` (the next layer, consumed here so
 * NCHWc convs can fuse it). Returns the grouped layout, blocked when an NCHWc Conv made it.
 */
export function emitConv(
  pop: Population,
  layer: Conv2dSpec,
  site: Site,
  h: Layout,
  activation?: ActivationSpec,
): Layout {
  const { g, K, bs } = pop;
  const { weight: w, bias: b } = site.params!;
  const wShape = pop.paramShape(w);
  const [Cin, Cout] = [site.inShape[0]!, layer.filters];
  const attrs = convAttrs(convGeometry(layer, site.inShape));
  const act = fusedActivation(activation);
  const blocked = h.kind === 'grouped' && h.blocked;
  const nchwIn = bs > 0 && Cin < bs && !blocked; // NCHWc conv reading an NCHW input
  const stackedFilter = (): string => nchwcFilter(g, pop.stacked(w), [K * Cout, ...wShape.slice(1)], bs);
  if (h.kind === 'shared' && nchwIn && (K * Cout) % bs === 0) {
    const out = g.op1('nchwc.Conv', [h.h, stackedFilter(), pop.stacked(b)], { ...attrs, ...act });
    return { kind: 'grouped', h: out, blocked: true };
  }
  if (h.kind === 'shared' && bs > 0 && Cin % bs === 0 && (K * Cout) % bs === 0) {
    // Many input channels: the shared batch reordered once, the stacked filters OIHWBiBo.
    const x = g.op1('nchwc.ReorderInput', [h.h]);
    const out = g.op1('nchwc.Conv', [x, stackedFilter(), pop.stacked(b)], { ...attrs, ...act });
    return { kind: 'grouped', h: out, blocked: true };
  }
  if (h.kind === 'perCopy' && nchwIn && Cout % bs === 0) {
    const out = g.op1(
      'Concat',
      h.xs.map((x, k) =>
        g.op1('nchwc.Conv', [x, nchwcFilter(g, pop.perCopy(w, k), wShape, bs), pop.perCopy(b, k)], {
          ...attrs,
          ...act,
        }),
      ),
      { axis: 1 },
    );
    return { kind: 'grouped', h: out, blocked: true };
  }
  if ((h.kind === 'grouped' || h.kind === 'perCopy') && bs > 0 && Cin % bs === 0 && Cout % bs === 0) {
    const grouped = pop.grouped(h);
    const x = grouped.blocked ? grouped.h : g.op1('nchwc.ReorderInput', [grouped.h]);
    const out = g.op1('nchwc.Conv', [x, stackedFilter(), pop.stacked(b)], { ...attrs, group: K, ...act });
    return { kind: 'grouped', h: out, blocked: true };
  }
  // Standard ops: NCHW, the activation as its own op.
  const x = pop.grouped(pop.unblocked(h, site.inShape));
  if (x.kind !== 'shared' && x.kind !== 'grouped') throw new Error(`conv2d on a flat ${x.kind} layout`);
  let out = g.op1(
    'Conv',
    [x.h, pop.stacked(w), pop.stacked(b)],
    x.kind === 'shared' ? attrs : { ...attrs, group: K },
  );
  if (activation) out = emitActivation(g, activation, out);
  return { kind: 'grouped', h: out, blocked: false };
}

// dense of K copies on [B, K, F] (or a shared [B, F]): h·W_k + b_k = h·W + c_k·(h_k·e_k) + b + c_k·e_b,
// one GEMM with θ for all copies plus one per noise window reading the window directly, so the K
// perturbed copies of a big weight matrix (cnn-3m fc1: 3.2M floats) are never materialised. With
// mirrored pairs a window's GEMM takes the pair's 2B rows (each pre-scaled by its c_k) at once.
import type { DenseSpec } from '../architecture.ts';
import { IO } from '../io.ts';
import type { Layout, Population, Site } from './context.ts';

export function emitDense(pop: Population, layer: DenseSpec, site: Site, h: Layout): Layout {
  const { g, K, M, U, us } = pop;
  if (h.kind !== 'flat' && h.kind !== 'sharedFlat') throw new Error(`dense on a ${h.kind} layout`);
  const { weight: w, bias: b } = site.params!;
  const N = layer.units;
  const shared = h.kind === 'sharedFlat';
  let base = g.op1('MatMul', [h.h, w]); // [B, K, N], or [B, N] when shared
  if (shared) base = g.op1('Unsqueeze', [base, pop.c([1])]);
  // Window u's rows: h_k for its M copies (shared: h once, scaled after), [B·M, F] -> [B, M, N].
  const hu = shared
    ? us.map(() => h.h)
    : g
        .op(
          'Split',
          [g.op1('Mul', [h.h, pop.coefShape([1, K, 1])]), pop.c(Array<number>(U).fill(M))],
          { axis: 1 },
          U,
        )
        .map((t) => g.op1('Reshape', [t, pop.c([-1, site.inShape[0]!])]));
  let delta = g.op1(
    'Concat',
    hu.map((t, u) =>
      g.op1('Reshape', [g.op1('MatMul', [t, IO.noise(u, w)]), pop.c(shared ? [-1, 1, N] : [-1, M, N])]),
    ),
    { axis: 1 },
  );
  if (shared) delta = g.op1('Mul', [g.op1('Unsqueeze', [delta, pop.c([2])]), pop.coefShape([1, U, M, 1])]); // [B, U, M, N]
  delta = g.op1('Reshape', [delta, pop.c([-1, K, N])]);
  const eb = g.op1(
    'Concat',
    us.map((u) => g.op1('Reshape', [IO.noise(u, b), pop.c([1, 1, N])])),
    { axis: 0 },
  ); // [U, 1, N]
  const db = g.op1('Reshape', [
    g.op1('Add', [b, g.op1('Mul', [eb, pop.coefShape([U, M, 1])])]),
    pop.c([1, K, N]),
  ]); // b + c_k·e_b
  return { kind: 'flat', h: g.op1('Add', [g.op1('Add', [base, delta]), db]) };
}

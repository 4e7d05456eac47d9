// What every layer emitter of the population graph shares: the builder, K copies in U noise windows
// (M = 2 copies per window with mirrored pairs), the NCHWc block size, the perturbed parameters, and
// the layouts the activations of K copies are held in, passed from emitter to emitter explicitly.
import { type Architecture, type LayerParams, type ParamSlice, paramLayout } from '../architecture.ts';
import { IO } from '../io.ts';
import { GraphBuilder } from '../onnx-builder.ts';

/**
 * The activations of the K copies after a layer, in one of four layouts (B = batch rows):
 * - `shared`: one batch for every copy and nothing perturbed yet: [B, C, H, W];
 * - `sharedFlat`: the same, flat: [B, F];
 * - `grouped`: copies side by side in channel groups, copy k in channels k·C .. k·C + C − 1:
 *   [B, K·C, H, W]; `blocked` when in ORT's NCHWc layout (channels in blocks of the block size);
 * - `flat`: [B, K, F].
 * Plus `perCopy`, the graph's own inputs when every copy has its own batch and the first layer is a
 * conv: K tensors [B, C, H, W] (concatenated into `grouped` by the first emitter that needs it).
 */
export type Layout =
  | { readonly kind: 'shared'; readonly h: string }
  | { readonly kind: 'sharedFlat'; readonly h: string }
  | { readonly kind: 'grouped'; readonly h: string; readonly blocked: boolean }
  | { readonly kind: 'flat'; readonly h: string }
  | { readonly kind: 'perCopy'; readonly xs: readonly string[] };

export type Grouped = Extract<Layout, { kind: 'grouped' }>;

/** Where a layer sits: its per-example (per-copy) input shape, its parameters if any. */
export interface Site {
  readonly inShape: readonly number[];
  readonly params?: LayerParams;
}

export interface PopulationGraphOptions {
  /** One batch for every copy (inputs IO.x, IO.y) instead of one per copy (IO.xk, IO.yk). */
  readonly sharedBatch?: boolean;
  /**
   * Block size of ONNX Runtime's NCHWc CPU kernels (16 with AVX-512, 8 with AVX2; see nchwcBlockSize
   * in backend/session.ts): convolutions and pooling then run as com.microsoft.nchwc ops with the
   * perturbed filters reordered in-graph, 1.4-1.9x faster than the standard Conv with computed
   * weights (bench/FINDINGS.md). 0 (default) uses standard ONNX ops only.
   */
  readonly nchwcBlock?: number;
  /**
   * Mirrored pairs: copies 2u and 2u+1 share noise window u (inputs IO.noise(u, ·) for u < K/2), so
   * each window is read once and a dense layer multiplies it with the pair's 2B rows at once.
   */
  readonly pairs?: boolean;
}

/** The graph being built and the perturbed parameters θ_j + c_k·e_k,j of its K copies. */
export class Population {
  readonly g: GraphBuilder;
  /** Copies. */
  readonly K: number;
  /** Copies per noise window (2 with mirrored pairs). */
  readonly M: number;
  /** Noise windows. */
  readonly U: number;
  /** NCHWc block size, 0 for standard ops only. */
  readonly bs: number;
  readonly ks: readonly number[];
  readonly us: readonly number[];
  private readonly slices: ReadonlyMap<string, ParamSlice>;
  /** The K coefficients c_k as one [K] tensor. */
  private readonly coefs: string;

  /** Declares the inputs θ (one per parameter tensor), the U noise windows and the K coefficients. */
  constructor(arch: Architecture, copies: number, opts: PopulationGraphOptions) {
    this.K = copies;
    this.M = opts.pairs ? 2 : 1;
    if (this.K % this.M !== 0)
      throw new Error(`populationGraph: ${this.K} copies cannot form mirrored pairs`);
    this.U = this.K / this.M;
    this.bs = opts.nchwcBlock ?? 0;
    const layout = paramLayout(arch);
    this.slices = new Map(layout.slices.map((s) => [s.name, s]));
    this.g = new GraphBuilder(`${arch.name}-population-${copies}`);
    this.ks = Array.from({ length: this.K }, (_, k) => k);
    this.us = Array.from({ length: this.U }, (_, u) => u);
    const g = this.g;
    for (const s of layout.slices) g.input(s.name, 'float32', s.shape);
    for (const u of this.us) for (const s of layout.slices) g.input(IO.noise(u, s.name), 'float32', s.shape);
    this.coefs = g.op1(
      'Concat',
      this.ks.map((k) => g.op1('Reshape', [g.input(IO.coef(k), 'float32', []), this.c([1])])),
      { axis: 0 },
    );
  }

  /** An int64 constant (shapes, axes). */
  c(v: number[]): string {
    return this.g.constant(v);
  }

  /** The coefficients reshaped, e.g. [1, K, 1] or [U, M, 1]. */
  coefShape(shape: number[]): string {
    return this.g.op1('Reshape', [this.coefs, this.c(shape)]);
  }

  paramShape(name: string): readonly number[] {
    return this.slices.get(name)!.shape;
  }

  /** The K perturbed copies of parameter `name` stacked: [K·d0, d1, ...]. */
  stacked(name: string): string {
    const { g, U, M, K } = this;
    const s = this.slices.get(name)!;
    const e = g.op1(
      'Concat',
      this.us.map((u) => g.op1('Reshape', [IO.noise(u, name), this.c([1, 1, s.size])])),
      { axis: 0 },
    ); // [U, 1, S]
    const w = g.op1('Add', [
      g.op1('Reshape', [name, this.c([1, 1, s.size])]),
      g.op1('Mul', [e, this.coefShape([U, M, 1])]),
    ]);
    return g.op1('Reshape', [w, this.c([K * s.shape[0]!, ...s.shape.slice(1)])]);
  }

  /** Copy k's perturbed parameter `name`: θ + c_k·e. */
  perCopy(name: string, k: number): string {
    return this.g.op1('Add', [name, this.g.op1('Mul', [IO.noise(Math.floor(k / this.M), name), IO.coef(k)])]);
  }

  /** `perCopy` inputs concatenated into channel groups; other layouts unchanged. */
  grouped(h: Grouped | Extract<Layout, { kind: 'perCopy' }>): Grouped;
  grouped(h: Layout): Exclude<Layout, { kind: 'perCopy' }>;
  grouped(h: Layout): Exclude<Layout, { kind: 'perCopy' }> {
    return h.kind === 'perCopy'
      ? { kind: 'grouped', h: this.g.op1('Concat', h.xs, { axis: 1 }), blocked: false }
      : h;
  }

  /** A blocked (NCHWc) layout back in NCHW; `shape` is one copy's [C, H, W]. */
  unblocked(h: Layout, shape: readonly number[]): Layout {
    if (h.kind !== 'grouped' || !h.blocked) return h;
    return {
      kind: 'grouped',
      h: this.g.op1('nchwc.ReorderOutput', [h.h], { channels: this.K * shape[0]! }),
      blocked: false,
    };
  }
}

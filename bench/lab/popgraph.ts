// Lab: a parameterised population graph (copies stacked along conv channel groups / a leading K
// axis) so the variants measured for FINDINGS.md can be compared with the graph in src/model.
import {
  type Architecture,
  layerShapes,
  numClasses,
  type ParamSlice,
  paramLayout,
} from '../../src/model/architecture.ts';
import { IO } from '../../src/model/graphs.ts';
import { GraphBuilder } from '../../src/model/onnx-builder.ts';
import { withNchwcDomain } from './domains.ts';

export interface PopOptions {
  /** One batch for all copies (inputs IO.x, IO.y) or one per copy (IO.xk, IO.yk). */
  readonly shared: boolean;
  /** Copies 2u and 2u+1 share noise window u (mirrored pairs): U = K/2 noise inputs. */
  readonly pairs: boolean;
  /**
   * Dense layers: stacked weights + batched MatMul; per-copy Gemm on θ + c_k·ε (materialised); the
   * same materialised per pair as θ ± t, t = c_2u·ε_u (mirrored: needs pairs and c_2u+1 = -c_2u);
   * or h·θ + (c·h)·ε (linear, never materialised).
   */
  readonly dense: 'batched' | 'percopy' | 'linear' | 'mirrored';
  /** Conv layers after the first: one grouped Conv, or one Conv per copy (Split/Concat). */
  readonly conv: 'grouped' | 'percopy';
  /** NCHWc block size of ORT's MLAS (16 with AVX-512) to use com.microsoft.nchwc Conv/MaxPool; 0 = standard ops. */
  readonly nchwc?: number;
  /** Where the copies axis sits in the dense part: [K, B, F] (needs a Transpose after the convs) or [B, K, F]. */
  readonly layout?: 'KB' | 'BK';
}

/** OIHW -> OIHWBiBo (Cin >= block) or OIHWBo (Cin < block), the filter layouts of MlasReorderFilter*. */
function reorderFilter(g: GraphBuilder, w: string, shape: readonly number[], bs: number): string {
  const [O, I, kh, kw] = shape as [number, number, number, number];
  const c = (v: number[]) => g.constant(v);
  if (I < bs)
    return g.op1('Reshape', [
      g.op1('Transpose', [g.op1('Reshape', [w, c([O / bs, bs, I, kh, kw])])], { perm: [0, 2, 3, 4, 1] }),
      c([O, I, kh, kw]),
    ]);
  return g.op1('Reshape', [
    g.op1('Transpose', [g.op1('Reshape', [w, c([O / bs, bs, I / bs, bs, kh, kw])])], {
      perm: [0, 2, 4, 5, 3, 1],
    }),
    c([O, I, kh, kw]),
  ]);
}

export function popGraph(arch: Architecture, K: number, o: PopOptions): Uint8Array {
  const layout = paramLayout(arch);
  const slice = (name: string): ParamSlice => layout.slices.find((s) => s.name === name)!;
  const U = o.pairs ? K / 2 : K;
  const M = K / U; // copies per noise window
  const g = new GraphBuilder(`${arch.name}-pop-${K}`);
  const c = (v: number[]) => g.constant(v);
  for (const s of layout.slices) g.input(s.name, 'float32', s.shape);
  for (let u = 0; u < U; u++) for (const s of layout.slices) g.input(IO.noise(u, s.name), 'float32', s.shape);
  const coefs = g.op1(
    'Concat',
    Array.from({ length: K }, (_, k) => g.op1('Reshape', [g.input(IO.coef(k), 'float32', []), c([1])])),
    { axis: 0 },
  );
  /** θ + c_k ε_u(k) for all copies: [K, ...shape]. */
  const stacked = (s: ParamSlice): string => {
    const e = g.op1(
      'Concat',
      Array.from({ length: U }, (_, u) => g.op1('Reshape', [IO.noise(u, s.name), c([1, 1, s.size])])),
      { axis: 0 },
    ); // [U,1,S]
    const ce = g.op1('Mul', [e, g.op1('Reshape', [coefs, c([U, M, 1])])]); // [U,M,S]
    return g.op1('Reshape', [
      g.op1('Add', [ce, g.op1('Reshape', [s.name, c([1, 1, s.size])])]),
      c([K, ...s.shape]),
    ]);
  };
  const perCopy = (s: string, k: number): string => {
    const ck = g.op1('Reshape', [IO.coef(k), c([1])]);
    return g.op1('Add', [s, g.op1('Mul', [IO.noise(Math.floor(k / M), s), ck])]);
  };
  const shapes = layerShapes(arch);
  const xShape = [...arch.inputCHW];
  let h: string;
  let state: 'shared' | 'grouped' | 'stacked' | 'sharedFlat';
  if (o.shared) {
    g.input(IO.x, 'float32', ['B', ...xShape]);
    h = IO.x;
    state = 'shared';
  } else {
    for (let k = 0; k < K; k++) g.input(IO.xk(k), 'float32', ['B', ...xShape]);
    const first = arch.layers[0]!.kind;
    if (first === 'conv2d') {
      h = g.op1(
        'Concat',
        Array.from({ length: K }, (_, k) => IO.xk(k)),
        { axis: 1 },
      );
      state = 'grouped';
    } else {
      const ax = o.layout === 'BK' ? 1 : 0;
      h = g.op1(
        'Concat',
        Array.from({ length: K }, (_, k) => g.op1('Unsqueeze', [IO.xk(k), c([ax])])),
        { axis: ax },
      );
      state = 'grouped';
    }
  }
  let nConv = 0,
    nDense = 0;
  let inShape: number[] = xShape;
  const bs = o.nchwc ?? 0;
  const kAxis = o.layout === 'BK' ? 1 : 0;
  let blocked = false; // h is in NCHWc layout
  let skipRelu = false;
  const unblock = () => {
    if (blocked) {
      h = g.op1('nchwc.ReorderOutput', [h], { channels: K * inShape[0]! });
      blocked = false;
    }
  };
  arch.layers.forEach((layer, i) => {
    if (skipRelu) {
      skipRelu = false;
      inShape = shapes[i]!;
      return;
    }
    if (layer.kind !== 'maxpool2' && layer.kind !== 'conv2d') unblock();
    switch (layer.kind) {
      case 'conv2d': {
        nConv++;
        const w = slice(`conv${nConv}.weight`),
          b = slice(`conv${nConv}.bias`);
        const attrs = {
          kernel_shape: [layer.kernel, layer.kernel],
          pads: Array(4).fill(Math.floor(layer.kernel / 2)),
        };
        const Cin = inShape[0]!,
          Cout = layer.filters;
        const asNchw = state === 'shared' && Cin < bs && (K * Cout) % bs === 0 && !blocked;
        const asBlocked =
          state === 'grouped' && o.conv === 'grouped' && bs > 0 && Cin % bs === 0 && Cout % bs === 0;
        if (asNchw || asBlocked) {
          if (asBlocked && !blocked) h = g.op1('nchwc.ReorderInput', [h]);
          const ws = reorderFilter(
            g,
            g.op1('Reshape', [stacked(w), c([K * Cout, ...w.shape.slice(1)])]),
            [K * Cout, ...w.shape.slice(1)],
            bs,
          );
          const bsd = g.op1('Reshape', [stacked(b), c([K * Cout])]);
          const fuse = arch.layers[i + 1]?.kind === 'relu';
          h = g.op1('nchwc.Conv', [h, ws, bsd], {
            ...attrs,
            group: asBlocked ? K : 1,
            ...(fuse ? { activation: 'Relu' } : {}),
          });
          skipRelu = fuse;
          blocked = true;
          state = 'grouped';
          break;
        }
        unblock();
        if (state === 'shared' || o.conv === 'grouped') {
          const ws = g.op1('Reshape', [stacked(w), c([K * w.shape[0]!, ...w.shape.slice(1)])]);
          const bs = g.op1('Reshape', [stacked(b), c([K * layer.filters])]);
          h = g.op1('Conv', [h, ws, bs], state === 'shared' ? attrs : { ...attrs, group: K });
        } else {
          const parts = g.op('Split', [h, c(Array(K).fill(inShape[0]!))], { axis: 1 }, K);
          h = g.op1(
            'Concat',
            parts.map((p, k) => g.op1('Conv', [p, perCopy(w.name, k), perCopy(b.name, k)], attrs)),
            { axis: 1 },
          );
        }
        state = 'grouped';
        break;
      }
      case 'relu':
        h = g.op1('Relu', [h]);
        break;
      case 'maxpool2':
        h = g.op1(blocked ? 'nchwc.MaxPool' : 'MaxPool', [h], { kernel_shape: [2, 2], strides: [2, 2] });
        break;
      case 'flatten': {
        const f = inShape.reduce((a, b) => a * b, 1);
        if (state === 'shared') {
          h = g.op1('Flatten', [h], { axis: 1 });
          state = 'sharedFlat';
        } else if (nConv > 0) {
          // [B, K*C, H, W] -> [B, K, F] (-> [K, B, F])
          h = g.op1('Reshape', [h, c([0, K, f])]);
          if (kAxis === 0) h = g.op1('Transpose', [h], { perm: [1, 0, 2] });
          state = 'stacked';
        } else {
          h = g.op1('Reshape', [h, c(kAxis === 0 ? [K, -1, f] : [-1, K, f])]);
          state = 'stacked';
        }
        break;
      }
      case 'dense': {
        nDense++;
        const w = slice(`fc${nDense}.weight`),
          b = slice(`fc${nDense}.bias`);
        const F = w.shape[0]!,
          N = layer.units;
        const kShape = (n: number) => (kAxis === 0 ? [K, 1, n] : [1, K, n]);
        if (o.dense === 'batched') {
          if (kAxis !== 0) throw new Error('batched dense needs layout KB');
          h = g.op1('Add', [g.op1('MatMul', [h, stacked(w)]), g.op1('Reshape', [stacked(b), c([K, 1, N])])]);
        } else if (o.dense === 'mirrored') {
          if (!o.pairs) throw new Error('mirrored dense needs pairs');
          const parts =
            state === 'sharedFlat'
              ? (Array(K).fill(h) as string[])
              : g
                  .op('Split', [h, c(Array(K).fill(1))], { axis: kAxis }, K)
                  .map((p) => g.op1('Reshape', [p, c([-1, F])]));
          const outs: string[] = [];
          for (let u = 0; u < U; u++) {
            const ck = g.op1('Reshape', [IO.coef(2 * u), c([1])]);
            const tw = g.op1('Mul', [IO.noise(u, w.name), ck]),
              tb = g.op1('Mul', [IO.noise(u, b.name), ck]);
            outs.push(g.op1('Gemm', [parts[2 * u]!, g.op1('Add', [w.name, tw]), g.op1('Add', [b.name, tb])]));
            outs.push(
              g.op1('Gemm', [parts[2 * u + 1]!, g.op1('Sub', [w.name, tw]), g.op1('Sub', [b.name, tb])]),
            );
          }
          h = g.op1(
            'Concat',
            outs.map((t) => g.op1('Unsqueeze', [t, c([kAxis])])),
            { axis: kAxis },
          );
        } else if (o.dense === 'percopy') {
          const parts =
            state === 'sharedFlat'
              ? (Array(K).fill(h) as string[])
              : g
                  .op('Split', [h, c(Array(K).fill(1))], { axis: kAxis }, K)
                  .map((p) => g.op1('Reshape', [p, c([-1, F])]));
          h = g.op1(
            'Concat',
            parts.map((p, k) =>
              g.op1('Unsqueeze', [g.op1('Gemm', [p, perCopy(w.name, k), perCopy(b.name, k)]), c([kAxis])]),
            ),
            { axis: kAxis },
          );
        } else {
          let base = g.op1('Add', [g.op1('MatMul', [h, w.name]), b.name]); // [K,B,N] / [B,K,N] or [B,N]
          if (state === 'sharedFlat' && kAxis === 1) base = g.op1('Unsqueeze', [base, c([1])]);
          let delta: string;
          const cUM = (rank4: boolean) =>
            g.op1('Reshape', [coefs, c(kAxis === 0 || !rank4 ? [U, M, 1, 1] : [1, U, M, 1])]);
          if (state === 'sharedFlat') {
            const z = g.op1(
              'Concat',
              Array.from({ length: U }, (_, u) =>
                g.op1('Unsqueeze', [g.op1('MatMul', [h, IO.noise(u, w.name)]), c([kAxis])]),
              ),
              { axis: kAxis },
            ); // [U,B,N] / [B,U,N]
            delta = g.op1('Reshape', [
              g.op1('Mul', [g.op1('Unsqueeze', [z, c([kAxis + 1])]), cUM(true)]),
              c(kAxis === 0 ? [K, -1, N] : [-1, K, N]),
            ]);
          } else {
            const ch = g.op1('Mul', [h, g.op1('Reshape', [coefs, c(kShape(1))])]);
            const parts = U === 1 ? [ch] : g.op('Split', [ch, c(Array(U).fill(M))], { axis: kAxis }, U);
            delta = g.op1(
              'Concat',
              parts.map((p, u) =>
                g.op1('Reshape', [
                  g.op1('MatMul', [g.op1('Reshape', [p, c([-1, F])]), IO.noise(u, w.name)]),
                  c(kAxis === 0 ? [M, -1, N] : [-1, M, N]),
                ]),
              ),
              { axis: kAxis },
            );
          }
          const eb = g.op1(
            'Concat',
            Array.from({ length: U }, (_, u) => g.op1('Reshape', [IO.noise(u, b.name), c([1, 1, N])])),
            { axis: 0 },
          ); // [U,1,N]
          const cb = g.op1('Reshape', [
            g.op1('Mul', [eb, g.op1('Reshape', [coefs, c([U, M, 1])])]),
            c(kShape(N)),
          ]);
          h = g.op1('Add', [g.op1('Add', [base, delta]), cb]);
        }
        state = 'stacked';
        break;
      }
    }
    inShape = shapes[i]!;
  });
  unblock();
  const classes = numClasses(arch);
  let y: string;
  if (o.shared) {
    g.input(IO.y, 'float32', ['B', classes]);
    y = kAxis === 0 ? IO.y : g.op1('Unsqueeze', [IO.y, c([1])]);
  } else {
    for (let k = 0; k < K; k++) g.input(IO.yk(k), 'float32', ['B', classes]);
    y = g.op1(
      'Concat',
      Array.from({ length: K }, (_, k) => g.op1('Unsqueeze', [IO.yk(k), c([kAxis])])),
      { axis: kAxis },
    );
  }
  const logp = g.op1('LogSoftmax', [h], { axis: -1 });
  const nll = g.op1('ReduceSum', [g.op1('Mul', [logp, y]), c([2])], { keepdims: 0 });
  g.op1('Neg', [g.op1('ReduceMean', [nll], { axes: [1 - kAxis], keepdims: 0 })], {}, IO.losses);
  g.output(IO.losses, 'float32', [K]);
  return bs > 0 ? withNchwcDomain(g.toBytes()) : g.toBytes();
}

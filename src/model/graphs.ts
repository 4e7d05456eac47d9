// The ONNX graphs esgrad runs, as serialised models: logits, loss + accuracy, loss + gradient of all
// of θ, and the population graph that evaluates K perturbed copies θ + c_k·ε_k in one run.
import onnxProto from 'onnx-proto';
import { type Architecture, layerShapes, numClasses, paramLayout } from './architecture.ts';
import { emitBackward } from './backward.ts';
import { emitCrossEntropy, emitForward, paramInputNames } from './forward.ts';
import { GraphBuilder } from './onnx-builder.ts';

/** Graph input/output names shared by the graph builders and the sessions that feed them. */
export const IO = {
  x: 'x',
  y: 'y',
  logits: 'logits',
  loss: 'loss',
  correct: 'correct',
  grad: 'grad',
  losses: 'losses',
  /** Per-copy inputs of the population graph. */
  noise: (k: number, param: string) => `e${k}/${param}`,
  coef: (k: number) => `c${k}`,
  xk: (k: number) => `x${k}`,
  yk: (k: number) => `y${k}`,
} as const;

function declareParams(g: GraphBuilder, arch: Architecture, prefix = ''): Map<string, string> {
  const layout = paramLayout(arch);
  for (const s of layout.slices) g.input(prefix + s.name, 'float32', s.shape);
  return paramInputNames(layout, prefix);
}

function declareBatch(g: GraphBuilder, arch: Architecture, x: string, y: string): void {
  g.input(x, 'float32', ['B', ...arch.inputCHW]);
  g.input(y, 'float32', ['B', numClasses(arch)]);
}

/** logits [B, classes] from θ (one input per parameter tensor) and x [B, C, H, W]. */
export function logitsGraph(arch: Architecture): Uint8Array {
  const g = new GraphBuilder(`${arch.name}-logits`);
  const params = declareParams(g, arch);
  g.input(IO.x, 'float32', ['B', ...arch.inputCHW]);
  const { logits } = emitForward(g, arch, params, IO.x);
  g.op1('Identity', [logits], {}, IO.logits);
  g.output(IO.logits, 'float32', ['B', numClasses(arch)]);
  return g.toBytes();
}

/** Mean cross-entropy `loss` and the count of correct predictions `correct` on (x, one-hot y). */
export function lossGraph(arch: Architecture): Uint8Array {
  const g = new GraphBuilder(`${arch.name}-loss`);
  const params = declareParams(g, arch);
  declareBatch(g, arch, IO.x, IO.y);
  const { logits } = emitForward(g, arch, params, IO.x);
  const { loss, correct } = emitCrossEntropy(g, logits, IO.y, false);
  g.op1('Identity', [loss], {}, IO.loss);
  g.op1('Identity', [correct], {}, IO.correct);
  g.output(IO.loss, 'float32', []);
  g.output(IO.correct, 'float32', []);
  return g.toBytes();
}

/** Like lossGraph, plus `grad` [P]: dLoss/dθ in ParamLayout order, by the derived backward pass. */
export function gradGraph(arch: Architecture): Uint8Array {
  const layout = paramLayout(arch);
  const g = new GraphBuilder(`${arch.name}-grad`);
  const params = declareParams(g, arch);
  declareBatch(g, arch, IO.x, IO.y);
  const { logits, traces } = emitForward(g, arch, params, IO.x, true);
  const { loss, correct, dLogits } = emitCrossEntropy(g, logits, IO.y, true);
  const grad = emitBackward(g, arch, layout, params, traces, dLogits!);
  g.op1('Identity', [loss], {}, IO.loss);
  g.op1('Identity', [correct], {}, IO.correct);
  g.op1('Identity', [grad], {}, IO.grad);
  g.output(IO.loss, 'float32', []);
  g.output(IO.correct, 'float32', []);
  g.output(IO.grad, 'float32', [layout.size]);
  return g.toBytes();
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

/** Ops named `nchwc.X` are moved to the domain com.microsoft.nchwc (GraphBuilder has no domains). */
const NCHWC = 'nchwc.';

function withNchwcDomain(bytes: Uint8Array): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(bytes);
  for (const n of model.graph?.node ?? []) {
    if (n.opType?.startsWith(NCHWC))
      [n.opType, n.domain] = [n.opType.slice(NCHWC.length), 'com.microsoft.nchwc'];
  }
  model.opsetImport.push({ domain: 'com.microsoft.nchwc', version: 1 });
  return onnx.ModelProto.encode(model).finish();
}

/** OIHW filters in the layout ORT's NCHWc Conv reads: OIHWBo when I < block (NCHW input), else OIHWBiBo. */
function nchwcFilter(g: GraphBuilder, w: string, [O, I, kh, kw]: readonly number[], bs: number): string {
  const c = (v: number[]): string => g.constant(v);
  const [split, perm] =
    I! < bs
      ? [
          [O! / bs, bs, I!, kh!, kw!],
          [0, 2, 3, 4, 1],
        ]
      : [
          [O! / bs, bs, I! / bs, bs, kh!, kw!],
          [0, 2, 4, 5, 3, 1],
        ];
  return g.op1('Reshape', [
    g.op1('Transpose', [g.op1('Reshape', [w, c(split)])], { perm }),
    c([O!, I!, kh!, kw!]),
  ]);
}

/**
 * `losses` [K]: the mean cross-entropy of copy k, whose parameters are θ_j + c_k·e_k,j for every
 * parameter tensor j (noise inputs are zero-copy views of the noise table), on its own batch or on
 * the shared one. Copies run side by side, not one subgraph each: conv activations are
 * [B, K·C, H, W] with copy k in channel group k (the first conv on a shared batch is ONE Conv with
 * the K filter banks stacked; later convs are grouped, group = K); dense activations are [B, K, F]
 * and a dense layer is computed as h·W + c_k·(h_k·e_k) + b + c_k·e_b: one GEMM with θ for all
 * copies plus one per copy reading its noise window directly, so the K perturbed copies of a big
 * weight matrix (cnn-3m fc1: 3.2M floats) are never materialised.
 */
export function populationGraph(
  arch: Architecture,
  copies: number,
  opts: PopulationGraphOptions = {},
): Uint8Array {
  const K = copies;
  const M = opts.pairs ? 2 : 1; // copies per noise window
  if (K % M !== 0) throw new Error(`populationGraph: ${K} copies cannot form mirrored pairs`);
  const U = K / M;
  const bs = opts.nchwcBlock ?? 0;
  const layout = paramLayout(arch);
  const shapes = layerShapes(arch);
  const slices = new Map(layout.slices.map((s) => [s.name, s]));
  const g = new GraphBuilder(`${arch.name}-population-${K}`);
  const c = (v: number[]): string => g.constant(v);
  const ks = Array.from({ length: K }, (_, k) => k);
  const us = Array.from({ length: U }, (_, u) => u);
  for (const s of layout.slices) g.input(s.name, 'float32', s.shape);
  for (const u of us) for (const s of layout.slices) g.input(IO.noise(u, s.name), 'float32', s.shape);
  const coefs = g.op1(
    'Concat',
    ks.map((k) => g.op1('Reshape', [g.input(IO.coef(k), 'float32', []), c([1])])),
    { axis: 0 },
  );
  const coefShape = (shape: number[]): string => g.op1('Reshape', [coefs, c(shape)]);
  /** The K perturbed copies of parameter `name` stacked: [K·d0, d1, ...]. */
  const stacked = (name: string): string => {
    const s = slices.get(name)!;
    const e = g.op1(
      'Concat',
      us.map((u) => g.op1('Reshape', [IO.noise(u, name), c([1, 1, s.size])])),
      { axis: 0 },
    ); // [U, 1, S]
    const w = g.op1('Add', [
      g.op1('Reshape', [name, c([1, 1, s.size])]),
      g.op1('Mul', [e, coefShape([U, M, 1])]),
    ]);
    return g.op1('Reshape', [w, c([K * s.shape[0]!, ...s.shape.slice(1)])]);
  };
  const perCopy = (name: string, k: number): string =>
    g.op1('Add', [name, g.op1('Mul', [IO.noise(Math.floor(k / M), name), IO.coef(k)])]);
  const [C0, H0, W0] = arch.inputCHW;
  // h is one of: shared [B, C, H, W] / [B, F]; per-copy inputs (first layer a conv, batches not
  // shared); grouped [B, K·C, H, W] (blocked: in NCHWc layout); flat [B, K, F].
  let h = '';
  let xs: string[] | undefined;
  let state: 'shared' | 'grouped' | 'flat' | 'sharedFlat';
  if (opts.sharedBatch) {
    h = g.input(IO.x, 'float32', ['B', C0, H0, W0]);
    state = 'shared';
  } else {
    xs = ks.map((k) => g.input(IO.xk(k), 'float32', ['B', C0, H0, W0]));
    if (arch.layers[0]?.kind !== 'conv2d') h = g.op1('Concat', xs, { axis: 1 });
    state = 'grouped';
  }
  let blocked = false;
  let inShape: number[] = [...arch.inputCHW];
  const unblock = (): void => {
    if (blocked) h = g.op1('nchwc.ReorderOutput', [h], { channels: K * inShape[0]! });
    blocked = false;
  };
  let nConv = 0,
    nDense = 0;
  for (let i = 0; i < arch.layers.length; i++) {
    const layer = arch.layers[i]!;
    switch (layer.kind) {
      case 'conv2d': {
        nConv++;
        const [w, b] = [`conv${nConv}.weight`, `conv${nConv}.bias`];
        const wShape = slices.get(w)!.shape;
        const [Cin, Cout] = [inShape[0]!, layer.filters];
        const p = Math.floor(layer.kernel / 2);
        const attrs = { kernel_shape: [layer.kernel, layer.kernel], pads: [p, p, p, p] };
        const relu = arch.layers[i + 1]?.kind === 'relu';
        const act = relu ? { activation: 'Relu' } : {};
        const nchwIn = bs > 0 && Cin < bs && !blocked; // NCHWc conv reading an NCHW input
        if (state === 'shared' && nchwIn && (K * Cout) % bs === 0) {
          h = g.op1(
            'nchwc.Conv',
            [h, nchwcFilter(g, stacked(w), [K * Cout, ...wShape.slice(1)], bs), stacked(b)],
            { ...attrs, ...act },
          );
          blocked = true;
        } else if (xs && nchwIn && Cout % bs === 0) {
          h = g.op1(
            'Concat',
            xs.map((x, k) =>
              g.op1('nchwc.Conv', [x, nchwcFilter(g, perCopy(w, k), wShape, bs), perCopy(b, k)], {
                ...attrs,
                ...act,
              }),
            ),
            { axis: 1 },
          );
          blocked = true;
        } else if (state === 'grouped' && !xs && bs > 0 && Cin % bs === 0 && Cout % bs === 0) {
          if (!blocked) h = g.op1('nchwc.ReorderInput', [h]);
          h = g.op1(
            'nchwc.Conv',
            [h, nchwcFilter(g, stacked(w), [K * Cout, ...wShape.slice(1)], bs), stacked(b)],
            { ...attrs, group: K, ...act },
          );
          blocked = true;
        } else {
          unblock();
          if (xs) h = g.op1('Concat', xs, { axis: 1 });
          h = g.op1('Conv', [h, stacked(w), stacked(b)], state === 'shared' ? attrs : { ...attrs, group: K });
          if (relu) h = g.op1('Relu', [h]);
        }
        xs = undefined;
        state = 'grouped';
        if (relu) i++; // fused
        break;
      }
      case 'relu': // elementwise: any layout
        h = g.op1('Relu', [h]);
        break;
      case 'maxpool2':
        h = g.op1(blocked ? 'nchwc.MaxPool' : 'MaxPool', [h], { kernel_shape: [2, 2], strides: [2, 2] });
        break;
      case 'flatten': {
        unblock();
        const f = inShape.reduce((a, b) => a * b, 1);
        if (state === 'shared') [h, state] = [g.op1('Flatten', [h], { axis: 1 }), 'sharedFlat'];
        else [h, state] = [g.op1('Reshape', [h, c([0, K, f])]), 'flat'];
        break;
      }
      case 'dense': {
        nDense++;
        const [w, b] = [`fc${nDense}.weight`, `fc${nDense}.bias`];
        const N = layer.units;
        const shared = state === 'sharedFlat';
        let base = g.op1('MatMul', [h, w]); // [B, K, N], or [B, N] when shared
        if (shared) base = g.op1('Unsqueeze', [base, c([1])]);
        // Window u's rows: h_k for its M copies (shared: h once, scaled after), [B·M, F] -> [B, M, N].
        const hu = shared
          ? us.map(() => h)
          : g
              .op(
                'Split',
                [g.op1('Mul', [h, coefShape([1, K, 1])]), c(Array<number>(U).fill(M))],
                { axis: 1 },
                U,
              )
              .map((t) => g.op1('Reshape', [t, c([-1, inShape[0]!])]));
        let delta = g.op1(
          'Concat',
          hu.map((t, u) =>
            g.op1('Reshape', [g.op1('MatMul', [t, IO.noise(u, w)]), c(shared ? [-1, 1, N] : [-1, M, N])]),
          ),
          { axis: 1 },
        );
        if (shared) delta = g.op1('Mul', [g.op1('Unsqueeze', [delta, c([2])]), coefShape([1, U, M, 1])]); // [B, U, M, N]
        delta = g.op1('Reshape', [delta, c([-1, K, N])]);
        const eb = g.op1(
          'Concat',
          us.map((u) => g.op1('Reshape', [IO.noise(u, b), c([1, 1, N])])),
          { axis: 0 },
        ); // [U, 1, N]
        const db = g.op1('Reshape', [
          g.op1('Add', [b, g.op1('Mul', [eb, coefShape([U, M, 1])])]),
          c([1, K, N]),
        ]); // b + c_k·e_b
        [h, state] = [g.op1('Add', [g.op1('Add', [base, delta]), db]), 'flat'];
        break;
      }
    }
    inShape = shapes[i]!;
  }
  const classes = numClasses(arch);
  const y = opts.sharedBatch
    ? g.op1('Unsqueeze', [g.input(IO.y, 'float32', ['B', classes]), c([1])])
    : g.op1(
        'Concat',
        ks.map((k) => g.op1('Unsqueeze', [g.input(IO.yk(k), 'float32', ['B', classes]), c([1])])),
        { axis: 1 },
      );
  const nll = g.op1('ReduceSum', [g.op1('Mul', [g.op1('LogSoftmax', [h], { axis: -1 }), y]), c([2])], {
    keepdims: 0,
  }); // [B, K]
  g.op1('Neg', [g.op1('ReduceMean', [nll], { axes: [0], keepdims: 0 })], {}, IO.losses);
  g.output(IO.losses, 'float32', [K]);
  return bs > 0 ? withNchwcDomain(g.toBytes()) : g.toBytes();
}

// The fused Adam step as a WebAssembly SIMD kernel: the float32 operations of adam.ts, four lanes at
// a time (so bit-identical to the JS loop), run block by block through a small scratch memory.
//
// adam(g, th, m, v, len, c1, c2, alpha, eps, l2): for j < len (len a multiple of 4), in place:
//   w = g  (adamDecay: w = g + l2 θ);  m = m + (w - m) c1;  v = v + (w w - v) c2
//   θ = θ - (m alpha) / (sqrt(v) + eps)                       (every operation in float32)

import {
  F32,
  get,
  I32,
  i32,
  loopUntil,
  mem,
  op,
  set,
  V128,
  v,
  type WasmFunction,
  wasmModule,
} from '../aggregate/wasm-asm.ts';
import type { AdamStepConstants } from './adam.ts';

const SIMD = {
  load: 0x00,
  store: 0x0b,
  splat: 0x13,
  sqrt: 0xe3,
  add: 0xe4,
  sub: 0xe5,
  mul: 0xe6,
  div: 0xe7,
};

// parameters, then locals: splatted constants, end pointer, per-step temporaries
const [G, TH, M, VV, LEN] = [0, 1, 2, 3, 4];
const CONSTS = 5; // c1 c2 alpha eps l2, parameters 5..9
const [C1, C2, ALPHA, EPS, L2] = [10, 11, 12, 13, 14];
const END = 15;
const [P, W, MM, VN] = [16, 17, 18, 19];

const load = (p: number): number[] => [...get(p), ...v(SIMD.load), ...mem(0)];
const store = (p: number, value: number[]): number[] => [...get(p), ...value, ...v(SIMD.store), ...mem(0)];

/** Four elements at the pointers, which then advance by 16 bytes. */
function quad(decay: boolean): number[] {
  const w = decay ? [...load(G), ...get(L2), ...get(P), ...v(SIMD.mul), ...v(SIMD.add)] : load(G);
  return [
    ...load(TH),
    ...set(P),
    ...w,
    ...set(W),
    // m = m + (w - m) c1
    ...load(M),
    ...get(W),
    ...load(M),
    ...v(SIMD.sub),
    ...get(C1),
    ...v(SIMD.mul),
    ...v(SIMD.add),
    ...set(MM),
    // v = v + (w w - v) c2
    ...load(VV),
    ...get(W),
    ...get(W),
    ...v(SIMD.mul),
    ...load(VV),
    ...v(SIMD.sub),
    ...get(C2),
    ...v(SIMD.mul),
    ...v(SIMD.add),
    ...set(VN),
    ...store(M, get(MM)),
    ...store(VV, get(VN)),
    // θ = θ - (m alpha) / (sqrt(v) + eps)
    ...store(TH, [
      ...get(P),
      ...get(MM),
      ...get(ALPHA),
      ...v(SIMD.mul),
      ...get(VN),
      ...v(SIMD.sqrt),
      ...get(EPS),
      ...v(SIMD.add),
      ...v(SIMD.div),
      ...v(SIMD.sub),
    ]),
    ...[G, TH, M, VV].flatMap((p) => [...get(p), ...i32(16), op.i32add, ...set(p)]),
  ];
}

function kernel(decay: boolean): WasmFunction {
  const splats = [C1, C2, ALPHA, EPS, L2].flatMap((local, k) => [
    ...get(CONSTS + k),
    ...v(SIMD.splat),
    ...set(local),
  ]);
  const code = [
    ...splats,
    // end = g + len * 4
    ...get(G),
    ...get(LEN),
    ...i32(2),
    op.i32shl,
    op.i32add,
    ...set(END),
    ...loopUntil([...get(G), ...get(END), op.i32geu], quad(decay)),
  ];
  return {
    name: decay ? 'adamDecay' : 'adam',
    params: [...Array(CONSTS).fill(I32), ...Array(5).fill(F32)],
    locals: [
      [5, V128],
      [1, I32],
      [4, V128],
    ],
    code,
  };
}

/** Elements per block: four float32 scratch arrays of BLOCK stay in the L2 cache. */
export const BLOCK = 8192;
const PAGES = Math.ceil((16 * BLOCK) / 65536);

type Kernel = (
  g: number,
  th: number,
  m: number,
  v: number,
  len: number,
  c1: number,
  c2: number,
  alpha: number,
  eps: number,
  l2: number,
) => void;

interface Scratch {
  readonly adam: Kernel;
  readonly adamDecay: Kernel;
  /** [g | θ | m | v], BLOCK float32 each, at byte 0 of the kernel's memory. */
  readonly views: readonly [Float32Array, Float32Array, Float32Array, Float32Array];
}

let scratch: Scratch | null | undefined;

/** This thread's kernel and scratch memory; null when the engine has no WebAssembly SIMD. */
function getScratch(): Scratch | null {
  if (scratch !== undefined) return scratch;
  try {
    const memory = new WebAssembly.Memory({ initial: PAGES });
    const bytes = wasmModule({ min: PAGES }, [kernel(false), kernel(true)]);
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { mem: memory },
    }).exports as unknown as { adam: Kernel; adamDecay: Kernel };
    const view = (k: number): Float32Array => new Float32Array(memory.buffer, 4 * k * BLOCK, BLOCK);
    scratch = { ...exports, views: [view(0), view(1), view(2), view(3)] };
  } catch {
    scratch = null;
  }
  return scratch;
}

/**
 * Runs the kernel over elements [0, n - n % 4) of float32 arrays, writing θ', m, v to the outputs
 * (which may alias the inputs); l2 null: no weight decay, else the float32 coefficient. Returns how
 * many it did (0 without WebAssembly SIMD); the caller finishes the rest with the JS loop.
 */
export function wasmAdam(
  g: Float32Array,
  th: Float32Array,
  thOut: Float32Array,
  mIn: Float32Array,
  mOut: Float32Array,
  vIn: Float32Array,
  vOut: Float32Array,
  l2: number | null,
  c: AdamStepConstants,
): number {
  const s = getScratch();
  if (!s) return 0;
  const n = g.length - (g.length % 4);
  const [sg, sth, sm, sv] = s.views;
  const run = l2 === null ? s.adam : s.adamDecay;
  const { c1, c2, alpha, epsF } = c;
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK),
      len = end - start;
    sg.set(g.subarray(start, end));
    sth.set(th.subarray(start, end));
    sm.set(mIn.subarray(start, end));
    sv.set(vIn.subarray(start, end));
    run(0, 4 * BLOCK, 8 * BLOCK, 12 * BLOCK, len, c1, c2, alpha, epsF, l2 ?? 0);
    thOut.set(sth.subarray(0, len), start);
    mOut.set(sm.subarray(0, len), start);
    vOut.set(sv.subarray(0, len), start);
  }
  return n;
}

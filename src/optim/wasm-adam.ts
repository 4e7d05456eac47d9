// The fused Adam step as a WebAssembly SIMD kernel (f64x2, the same float64 operations in the same
// order as fused.ts's loop: bit-identical), run block by block through a small scratch memory.
//
// adam(g, th, m, v, len, b1, c1, b2, c2, negLrT, eps, l2): for j < len (len a multiple of 4), in place:
//   w = l2 < 0 ? g : f32(g + l2 θ);  m64 = b1 m + c1 w;  v64 = (b2 v) + (c2 w) w
//   m = f32(m64);  v = f32(v64);  θ = f32(θ + f32(negLrT m64 / (sqrt(v64) + eps)))
// (two exported functions, `adam` without and `adamDecay` with the L2 term, so neither branches).

import { F64, get, I32, i32, mem, op, section, set, uleb, V128, v, vec } from '../aggregate/wasm-asm.ts';

const SIMD = {
  load64zero: 0x5d,
  store64lane: 0x5b,
  splat: 0x14,
  demote: 0x5e,
  promote: 0x5f,
  sqrt: 0xef,
  add: 0xf0,
  mul: 0xf2,
  div: 0xf3,
};

// parameters, then locals: splatted constants, end pointer, per-pair temporaries
const [G, TH, M, VV, LEN] = [0, 1, 2, 3, 4];
const PARAMS = 12; // g th m v len b1 c1 b2 c2 negLrT eps l2
const [B1, C1, B2, C2, NEG, EPS, L2] = [12, 13, 14, 15, 16, 17, 18];
const END = 19;
const [W, MM, VN, P] = [20, 21, 22, 23];

/** f64x2 of the two float32 at pointer local p + off. */
const load2 = (p: number, off: number): number[] => [
  ...get(p),
  ...v(SIMD.load64zero),
  ...mem(off),
  ...v(SIMD.promote),
];
/** Stores the f64x2 `value` as two float32 at pointer local p + off. */
const store2 = (p: number, off: number, value: number[]): number[] => [
  ...get(p),
  ...value,
  ...v(SIMD.demote),
  ...v(SIMD.store64lane),
  ...mem(off),
  0,
];
const f32round = [...v(SIMD.demote), ...v(SIMD.promote)];

/** Two elements at byte offset `off` of every array. */
function pair(decay: boolean, off: number): number[] {
  const w = decay
    ? [...load2(G, off), ...get(L2), ...get(P), ...v(SIMD.mul), ...v(SIMD.add), ...f32round]
    : load2(G, off);
  return [
    ...load2(TH, off),
    ...set(P),
    ...w,
    ...set(W),
    ...get(B1),
    ...load2(M, off),
    ...v(SIMD.mul),
    ...get(C1),
    ...get(W),
    ...v(SIMD.mul),
    ...v(SIMD.add),
    ...set(MM),
    ...get(B2),
    ...load2(VV, off),
    ...v(SIMD.mul),
    ...get(C2),
    ...get(W),
    ...v(SIMD.mul),
    ...get(W),
    ...v(SIMD.mul),
    ...v(SIMD.add),
    ...set(VN),
    ...store2(M, off, get(MM)),
    ...store2(VV, off, get(VN)),
    ...store2(TH, off, [
      ...get(P),
      ...get(NEG),
      ...get(MM),
      ...v(SIMD.mul),
      ...get(VN),
      ...v(SIMD.sqrt),
      ...get(EPS),
      ...v(SIMD.add),
      ...v(SIMD.div),
      ...f32round,
      ...v(SIMD.add),
    ]),
  ];
}

function kernel(decay: boolean): number[] {
  const splats = [B1, C1, B2, C2, NEG, EPS, L2].flatMap((local, k) => [
    ...get(5 + k),
    ...v(SIMD.splat),
    ...set(local),
  ]);
  const body = [
    ...splats,
    // end = g + len * 4
    ...get(G),
    ...get(LEN),
    ...i32(2),
    op.i32shl,
    op.i32add,
    ...set(END),
    op.block,
    0x40,
    op.loop,
    0x40,
    ...get(G),
    ...get(END),
    op.i32geu,
    op.brIf,
    1,
    ...pair(decay, 0),
    ...pair(decay, 8),
    ...[G, TH, M, VV].flatMap((p) => [...get(p), ...i32(16), op.i32add, ...set(p)]),
    op.br,
    0,
    op.end,
    op.end,
    op.end,
  ];
  const fn = [
    ...vec([
      [...uleb(7), V128],
      [1, I32],
      [...uleb(4), V128],
    ]),
    ...body,
  ];
  return [...uleb(fn.length), ...fn];
}

/** Elements per block: four float32 scratch arrays of BLOCK stay in the L2 cache. */
export const BLOCK = 8192;
const PAGES = Math.ceil((16 * BLOCK) / 65536);

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const sig = [0x60, ...vec([...Array(5).fill([I32]), ...Array(PARAMS - 5).fill([F64])]), 0];
  const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([sig])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(PAGES)]])),
    ...section(3, vec([uleb(0), uleb(0)])),
    ...section(
      7,
      vec([
        [...name('adam'), 0x00, 0],
        [...name('adamDecay'), 0x00, 1],
      ]),
    ),
    ...section(10, vec([kernel(false), kernel(true)])),
  ]);
}

type Kernel = (
  g: number,
  th: number,
  m: number,
  v: number,
  len: number,
  b1: number,
  c1: number,
  b2: number,
  c2: number,
  negLrT: number,
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
    const exports = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), {
      env: { mem: memory },
    }).exports as unknown as { adam: Kernel; adamDecay: Kernel };
    const view = (k: number): Float32Array => new Float32Array(memory.buffer, 4 * k * BLOCK, BLOCK);
    scratch = { ...exports, views: [view(0), view(1), view(2), view(3)] };
  } catch {
    scratch = null;
  }
  return scratch;
}

/** The Adam constants of one step: c1 = 1 - b1, c2 = 1 - b2, negLrT = -lr_t; l2 null: no decay. */
export interface AdamStepConstants {
  readonly b1: number;
  readonly b2: number;
  readonly negLrT: number;
  readonly eps: number;
  readonly l2: number | null;
}

/**
 * Runs the kernel over elements [0, n - n % 4) of float32 arrays, writing θ', m, v to the outputs
 * (which may alias the inputs); returns how many it did (0 without WebAssembly SIMD). The caller
 * finishes the rest with the JS loop.
 */
export function wasmAdam(
  g: Float32Array,
  th: Float32Array,
  thOut: Float32Array,
  mIn: Float32Array,
  mOut: Float32Array,
  vIn: Float32Array,
  vOut: Float32Array,
  c: AdamStepConstants,
): number {
  const s = getScratch();
  if (!s) return 0;
  const n = g.length - (g.length % 4);
  const [sg, sth, sm, sv] = s.views;
  const run = c.l2 === null ? s.adam : s.adamDecay;
  const { b1, b2, negLrT, eps } = c,
    l2 = c.l2 ?? 0;
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK),
      len = end - start;
    sg.set(g.subarray(start, end));
    sth.set(th.subarray(start, end));
    sm.set(mIn.subarray(start, end));
    sv.set(vIn.subarray(start, end));
    run(0, 4 * BLOCK, 8 * BLOCK, 12 * BLOCK, len, b1, 1 - b1, b2, 1 - b2, negLrT, eps, l2);
    thOut.set(sth.subarray(0, len), start);
    mOut.set(sm.subarray(0, len), start);
    vOut.set(sv.subarray(0, len), start);
  }
  return n;
}

// WebAssembly SIMD (f64x2) radix-4 Stockham stages for the FFT aggregation: the same transform as
// fftStockham (fft.ts) for an even stride s, two interleaved transforms per vector.
//
// Each thread owns one private memory: [cos | sin (ntw doubles each) | X re | X im | Y re | Y im
// (len doubles each)]. An array's imaginary part sits BUF = 8*len bytes after its real part, a
// constant baked into the module's load/store offsets (one module per BUF).

import type { Twiddles } from './fft.ts';
import { F64, get, I32, i32, loopUntil, mem, op, set, V128, v, wasmModule } from './wasm-asm.ts';

const S = { load: 0x00, store: 0x0b, load64splat: 0x0a, f64splat: 0x14, add: 0xf0, sub: 0xf1, mul: 0xf2 };
const I32MUL = 0x6c;

/**
 * stage4(x, y, n1, str, quarter, step, dir): one radix-4 stage, input arrays at byte x (re) and
 * x + BUF (im), output at y; n1 = len/4; str (even) the current stride; quarter = 8*str*n1 bytes;
 * step = ntw/len (twiddle index step); dir = -1 forward, +1 inverse. Twiddle tables at byte 0 (cos)
 * and 8*ntw (sin). radix2(x, qend): the final length-2 stage in place, qend = 8*str.
 */
function moduleBytes(buf: number, ntw: number): Uint8Array<ArrayBuffer> {
  const X = 0,
    Y = 1,
    N1 = 2,
    STR = 3,
    QUARTER = 4,
    STEP = 5,
    DIR = 6;
  const P = 7,
    Q8 = 8,
    QEND = 9,
    IA = 10,
    O0 = 11,
    T1 = 12,
    A = 13,
    B = 14; // i32 locals
  const W1R = 15,
    W1I = 16,
    W2R = 17,
    W2I = 18,
    W3R = 19,
    W3I = 20,
    DIRV = 21; // v128 locals
  const AR = 22,
    AI = 23,
    BR = 24,
    BI = 25,
    CR = 26,
    CI = 27,
    DR = 28,
    DI = 29,
    TR = 30,
    TI = 31,
    UR = 32,
    UI = 33;
  const sinBase = 8 * ntw;
  // biome-ignore lint/performance/noAccumulatingSpread: a few opcodes, once per compiled module
  const add = (...xs: number[][]): number[] => xs.reduce((s, x) => [...s, ...x, op.i32add]);
  const vop = (code: number, a: number, b: number): number[] => [...get(a), ...get(b), ...v(code)];
  const load = (addr: number, imag: boolean, to: number): number[] => [
    ...get(addr),
    ...v(S.load),
    ...mem(imag ? buf : 0),
    ...set(to),
  ];
  const store = (addr: number, imag: boolean, value: number[]): number[] => [
    ...get(addr),
    ...value,
    ...v(S.store),
    ...mem(imag ? buf : 0),
  ];
  // twiddle k (1..3): index k * t1 (bytes), w_r = cos, w_i = dir * sin
  const twiddle = (k: number, wr: number, wi: number): number[] => [
    ...get(T1),
    ...i32(k),
    I32MUL,
    ...v(S.load64splat),
    ...mem(0),
    ...set(wr),
    ...get(T1),
    ...i32(k),
    I32MUL,
    ...v(S.load64splat),
    ...mem(sinBase),
    ...get(DIRV),
    ...v(S.mul),
    ...set(wi),
  ];
  // (w * u): re = wr ur - wi ui, im = wr ui + wi ur  (u in UR, UI)
  const mulRe = (wr: number, wi: number): number[] => [
    ...vop(S.mul, wr, UR),
    ...vop(S.mul, wi, UI),
    ...v(S.sub),
  ];
  const mulIm = (wr: number, wi: number): number[] => [
    ...vop(S.mul, wr, UI),
    ...vop(S.mul, wi, UR),
    ...v(S.add),
  ];
  const inner = [
    // A = x + IA + q8; quarters at A + k*quarter
    ...add(get(X), get(IA), get(Q8)),
    ...set(A),
    ...load(A, false, AR),
    ...load(A, true, AI),
    ...add(get(A), get(QUARTER)),
    ...set(A),
    ...load(A, false, BR),
    ...load(A, true, BI),
    ...add(get(A), get(QUARTER)),
    ...set(A),
    ...load(A, false, CR),
    ...load(A, true, CI),
    ...add(get(A), get(QUARTER)),
    ...set(A),
    ...load(A, false, DR),
    ...load(A, true, DI),
    // t = dir * i (b - d): tr = dir (di - bi), ti = dir (br - dr)
    ...vop(S.sub, DI, BI),
    ...get(DIRV),
    ...v(S.mul),
    ...set(TR),
    ...vop(S.sub, BR, DR),
    ...get(DIRV),
    ...v(S.mul),
    ...set(TI),
    // reuse: AR/AI := a + c, CR/CI := a - c, BR/BI := b + d
    ...vop(S.sub, AR, CR),
    ...vop(S.add, AR, CR),
    ...set(AR),
    ...set(CR),
    ...vop(S.sub, AI, CI),
    ...vop(S.add, AI, CI),
    ...set(AI),
    ...set(CI),
    ...vop(S.add, BR, DR),
    ...set(BR),
    ...vop(S.add, BI, DI),
    ...set(BI),
    // B = y + O0 + q8: outputs at B + k*qend
    ...add(get(Y), get(O0), get(Q8)),
    ...set(B),
    ...store(B, false, vop(S.add, AR, BR)),
    ...store(B, true, vop(S.add, AI, BI)),
    ...vop(S.add, CR, TR),
    ...set(UR),
    ...vop(S.add, CI, TI),
    ...set(UI),
    ...add(get(B), get(QEND)),
    ...set(B),
    ...store(B, false, mulRe(W1R, W1I)),
    ...store(B, true, mulIm(W1R, W1I)),
    ...vop(S.sub, AR, BR),
    ...set(UR),
    ...vop(S.sub, AI, BI),
    ...set(UI),
    ...add(get(B), get(QEND)),
    ...set(B),
    ...store(B, false, mulRe(W2R, W2I)),
    ...store(B, true, mulIm(W2R, W2I)),
    ...vop(S.sub, CR, TR),
    ...set(UR),
    ...vop(S.sub, CI, TI),
    ...set(UI),
    ...add(get(B), get(QEND)),
    ...set(B),
    ...store(B, false, mulRe(W3R, W3I)),
    ...store(B, true, mulIm(W3R, W3I)),
  ];
  const stage4 = [
    ...get(DIR),
    ...v(S.f64splat),
    ...set(DIRV),
    ...get(STR),
    ...i32(3),
    op.i32shl,
    ...set(QEND),
    ...i32(0),
    ...set(P),
    ...loopUntil(
      [...get(P), ...get(N1), op.i32geu],
      [
        ...get(P),
        ...get(STEP),
        I32MUL,
        ...i32(3),
        op.i32shl,
        ...set(T1),
        ...twiddle(1, W1R, W1I),
        ...twiddle(2, W2R, W2I),
        ...twiddle(3, W3R, W3I),
        ...get(STR),
        ...get(P),
        I32MUL,
        ...i32(3),
        op.i32shl,
        ...set(IA),
        ...get(IA),
        ...i32(2),
        op.i32shl,
        ...set(O0),
        ...i32(0),
        ...set(Q8),
        ...loopUntil(
          [...get(Q8), ...get(QEND), op.i32geu],
          [...inner, ...get(Q8), ...i32(16), op.i32add, ...set(Q8)],
        ),
        ...get(P),
        ...i32(1),
        op.i32add,
        ...set(P),
      ],
    ),
  ];
  // radix2(x, qend): q8 in [0, qend): a = x + q8, b = a + qend
  const RX = 0,
    RQEND = 1,
    RQ = 2,
    RA = 3,
    RB = 4,
    VA = 5,
    VB = 6,
    VC = 7,
    VD = 8;
  const radix2 = [
    ...i32(0),
    ...set(RQ),
    ...loopUntil(
      [...get(RQ), ...get(RQEND), op.i32geu],
      [
        ...add(get(RX), get(RQ)),
        ...set(RA),
        ...add(get(RA), get(RQEND)),
        ...set(RB),
        ...load(RA, false, VA),
        ...load(RB, false, VB),
        ...load(RA, true, VC),
        ...load(RB, true, VD),
        ...store(RA, false, vop(S.add, VA, VB)),
        ...store(RB, false, vop(S.sub, VA, VB)),
        ...store(RA, true, vop(S.add, VC, VD)),
        ...store(RB, true, vop(S.sub, VC, VD)),
        ...get(RQ),
        ...i32(16),
        op.i32add,
        ...set(RQ),
      ],
    ),
  ];
  return wasmModule({ min: 1 }, [
    {
      name: 'stage4',
      params: [I32, I32, I32, I32, I32, I32, F64],
      locals: [
        [8, I32],
        [19, V128],
      ],
      code: stage4,
    },
    {
      name: 'radix2',
      params: [I32, I32],
      locals: [
        [3, I32],
        [4, V128],
      ],
      code: radix2,
    },
  ]);
}

export interface WasmFft {
  /** [xr, xi, yr, yi] views of the two complex buffers (len doubles each). */
  readonly bufs: Float64Array[];
  /** fftStockham on the bufs (x = bufs 0/1 or 2/3, y the other pair); s must be even. Returns true if the result is in y. */
  run(n: number, s: number, dir: number, xr: Float64Array): boolean;
}

/** A private FFT workspace with `len` doubles per array and the twiddles of `tw`; undefined without WASM SIMD. */
export function wasmFft(len: number, tw: Twiddles): WasmFft | undefined {
  const buf = 8 * len,
    ntw = tw.n;
  const bytes = 16 * ntw + 4 * buf;
  try {
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    const k = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(buf, ntw)), {
      env: { mem: memory },
    }).exports as unknown as {
      stage4(x: number, y: number, n1: number, str: number, quarter: number, step: number, dir: number): void;
      radix2(x: number, qend: number): void;
    };
    new Float64Array(memory.buffer, 0, ntw).set(tw.cos);
    new Float64Array(memory.buffer, 8 * ntw, ntw).set(tw.sin);
    const X = 16 * ntw,
      Y = X + 2 * buf;
    const bufs = [X, X + buf, Y, Y + buf].map((o) => new Float64Array(memory.buffer, o, len));
    return {
      bufs,
      run(n, s, dir, xr) {
        let x = xr.byteOffset,
          y = x === X ? Y : X,
          inY = false,
          l = n,
          str = s;
        const quarter = 2 * n * s; // 8 * str * (l/4) bytes, the same at every stage
        while (l >= 4) {
          k.stage4(x, y, l >> 2, str, quarter, ntw / l, dir);
          [x, y] = [y, x];
          inY = !inY;
          l >>= 2;
          str <<= 2;
        }
        if (l === 2) k.radix2(x, 8 * str);
        return inY;
      },
    };
  } catch {
    return undefined;
  }
}

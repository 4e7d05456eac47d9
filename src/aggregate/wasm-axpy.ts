// WebAssembly SIMD kernels for the direct aggregation (no toolchain needed: the module is assembled
// here from opcodes), run on a shared WebAssembly.Memory that holds the noise table and accumulators.
//
// axpy(acc, t, w, len):            acc[j] += w * t[j]                                (j < len)
// axpy4(acc, t0..t3, w0..w3, len): acc[j] += (w0 t0[j] + w1 t1[j]) + (w2 t2[j] + w3 t3[j])
// axpy8(acc, t0..t7, w0..w7, len): acc[j] += ((p01 + p23) + p45) + p67, p01 = w0 t0[j] + w1 t1[j], ...
// (the plain-JS accumulateBlock in blocked.ts uses the same grouping: bit-identical results)
// acc: float64 (byte address), t*: float32 (byte addresses), w*: f64. Products of float32 values
// and float32-rounded weights are exact in float64, so only the additions round (in float64).

import {
  F64,
  get,
  I32,
  i32,
  loopUntil,
  mem,
  op,
  set,
  simd,
  V128,
  v,
  type WasmFunction,
  wasmModule,
} from './wasm-asm.ts';

/** f64x2 of w * t[off/4 .. off/4 + 1] (t float32 at local ti, w v128 local wi). */
const term = (ti: number, wi: number, off: number): number[] => [
  ...get(ti),
  ...v(simd.load64zero),
  ...mem(off),
  ...v(simd.promoteLow),
  ...get(wi),
  ...v(simd.f64mul),
];

/**
 * A kernel over k tables: params (acc, t0..t{k-1}, w0..w{k-1}, len); locals: k splatted weights, end.
 * The vector loop does 4 outputs per iteration, then a scalar tail.
 */
function kernel(k: number): WasmFunction {
  const ACC = 0,
    T = (i: number): number => 1 + i,
    W = (i: number): number => 1 + k + i,
    LEN = 1 + 2 * k;
  const WV = (i: number): number => 2 + 2 * k + i,
    END = 2 + 3 * k;
  const sum = (off: number): number[] => {
    const terms = Array.from({ length: k }, (_, i) => term(T(i), WV(i), off));
    // pairwise: (t0 + t1) + (t2 + t3)
    const pairs: number[][] = [];
    for (let i = 0; i < k; i += 2)
      pairs.push(i + 1 < k ? [...terms[i]!, ...terms[i + 1]!, ...v(simd.f64add)] : terms[i]!);
    // biome-ignore lint/performance/noAccumulatingSpread: a few opcodes, once per compiled module
    return pairs.reduce((a, b) => [...a, ...b, ...v(simd.f64add)]);
  };
  const half = (accOff: number, tOff: number): number[] => [
    ...get(ACC),
    ...get(ACC),
    ...v(simd.load),
    ...mem(accOff),
    ...sum(tOff),
    ...v(simd.f64add),
    ...v(simd.store),
    ...mem(accOff),
  ];
  const advance = (accStep: number, tStep: number): number[] => [
    ...get(ACC),
    ...i32(accStep),
    op.i32add,
    ...set(ACC),
    ...Array.from({ length: k }, (_, i) => [...get(T(i)), ...i32(tStep), op.i32add, ...set(T(i))]).flat(),
  ];
  // the same association as the vector path: pairs (t0 + t1), (t2 + t3), ... summed left to right
  const scalarSum = (): number[] => {
    const t = (i: number): number[] => [
      ...get(T(i)),
      op.f32load,
      ...mem(0),
      op.f64promote,
      ...get(W(i)),
      op.f64mul,
    ];
    const pairs: number[][] = [];
    for (let i = 0; i < k; i += 2) pairs.push(i + 1 < k ? [...t(i), ...t(i + 1), op.f64add] : t(i));
    // biome-ignore lint/performance/noAccumulatingSpread: a few opcodes, once per compiled module
    return pairs.reduce((a, b) => [...a, ...b, op.f64add]);
  };
  const body = [
    ...Array.from({ length: k }, (_, i) => [...get(W(i)), ...v(simd.f64splat), ...set(WV(i))]).flat(),
    // end = acc + (len & ~3) * 8
    ...get(ACC),
    ...get(LEN),
    ...i32(-4),
    op.i32and,
    ...i32(3),
    op.i32shl,
    op.i32add,
    ...set(END),
    ...loopUntil([...get(ACC), ...get(END), op.i32geu], [...half(0, 0), ...half(16, 8), ...advance(32, 16)]),
    // end = end + (len & 3) * 8
    ...get(END),
    ...get(LEN),
    ...i32(3),
    op.i32and,
    ...i32(3),
    op.i32shl,
    op.i32add,
    ...set(END),
    ...loopUntil(
      [...get(ACC), ...get(END), op.i32geu],
      [
        ...get(ACC),
        ...get(ACC),
        op.f64load,
        ...mem(0),
        ...scalarSum(),
        op.f64add,
        op.f64store,
        ...mem(0),
        ...advance(8, 4),
      ],
    ),
  ];
  return {
    name: k === 1 ? 'axpy' : `axpy${k}`,
    params: [I32, ...Array(k).fill(I32), ...Array(k).fill(F64), I32],
    locals: [
      [k, V128],
      [1, I32],
    ],
    code: body,
  };
}

/** Largest shared memory the module declares: 65536 pages = 4 GiB (wasm32). */
export const MAX_PAGES = 65536;

export interface WasmKernels {
  axpy(acc: number, t: number, w: number, len: number): void;
  axpy4(
    acc: number,
    t0: number,
    t1: number,
    t2: number,
    t3: number,
    w0: number,
    w1: number,
    w2: number,
    w3: number,
    len: number,
  ): void;
  axpy8(acc: number, ...tThenWThenLen: number[]): void;
}

let compiled: WebAssembly.Module | undefined;

/** Instantiates the kernels on `memory` (a shared memory with maximum MAX_PAGES); undefined if this engine lacks SIMD. */
export function wasmKernels(memory: WebAssembly.Memory): WasmKernels | undefined {
  try {
    compiled ??= new WebAssembly.Module(
      wasmModule({ min: 1, max: MAX_PAGES, shared: true }, [kernel(1), kernel(4), kernel(8)]),
    );
    return new WebAssembly.Instance(compiled, { env: { mem: memory } }).exports as unknown as WasmKernels;
  } catch {
    return undefined;
  }
}

/** Bytes of accumulator space per thread at the start of a table memory (BLOCK float64 = 32 KiB). */
export const SLOT_BYTES = 32 * 1024;
/** Thread slots reserved before the table. */
export const SLOTS = 64;

/** A copy of a noise table in a shared WebAssembly.Memory: [SLOTS accumulator slots | table]. */
export function wasmTableMemory(
  table: Float32Array,
): { memory: WebAssembly.Memory; view: Float32Array } | undefined {
  const byteOffset = SLOTS * SLOT_BYTES,
    bytes = byteOffset + 4 * table.length;
  if (bytes > MAX_PAGES * 65536) return undefined;
  try {
    const memory = new WebAssembly.Memory({
      initial: Math.ceil(bytes / 65536),
      maximum: MAX_PAGES,
      shared: true,
    });
    if (!wasmKernels(memory)) return undefined;
    const view = new Float32Array(memory.buffer, byteOffset, table.length);
    view.set(table);
    return { memory, view };
  } catch {
    return undefined;
  }
}

/** The WASM accumulator of thread `slot` over a table memory (table at byte SLOTS * SLOT_BYTES). */
export function wasmAccumulator(
  k: WasmKernels,
  buffer: SharedArrayBuffer,
  slot: number,
): {
  acc: Float64Array;
  add(off: Int32Array, w: Float64Array, i0: number, i1: number, j0: number, len: number): void;
} {
  if (slot >= SLOTS) throw new RangeError(`aggregate: thread slot ${slot} >= ${SLOTS}`);
  const accPtr = slot * SLOT_BYTES,
    tBase = SLOTS * SLOT_BYTES;
  const acc = new Float64Array(buffer, accPtr, SLOT_BYTES / 8);
  return {
    acc,
    add(off, w, i0, i1, j0, len) {
      const base = tBase + 4 * j0;
      let i = i0;
      for (; i + 8 <= i1; i += 8) {
        k.axpy8(
          accPtr,
          base + 4 * off[i]!,
          base + 4 * off[i + 1]!,
          base + 4 * off[i + 2]!,
          base + 4 * off[i + 3]!,
          base + 4 * off[i + 4]!,
          base + 4 * off[i + 5]!,
          base + 4 * off[i + 6]!,
          base + 4 * off[i + 7]!,
          w[i]!,
          w[i + 1]!,
          w[i + 2]!,
          w[i + 3]!,
          w[i + 4]!,
          w[i + 5]!,
          w[i + 6]!,
          w[i + 7]!,
          len,
        );
      }
      for (; i + 4 <= i1; i += 4) {
        k.axpy4(
          accPtr,
          base + 4 * off[i]!,
          base + 4 * off[i + 1]!,
          base + 4 * off[i + 2]!,
          base + 4 * off[i + 3]!,
          w[i]!,
          w[i + 1]!,
          w[i + 2]!,
          w[i + 3]!,
          len,
        );
      }
      for (; i < i1; i++) k.axpy(accPtr, base + 4 * off[i]!, w[i]!, len);
    },
  };
}

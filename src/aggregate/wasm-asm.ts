// A minimal WebAssembly assembler: opcodes, LEB128 integers, sections, loops and modules, enough to
// emit the SIMD kernels of wasm-axpy.ts, wasm-fft.ts and optim/wasm-adam.ts without a toolchain.

export const I32 = 0x7f,
  F32 = 0x7d,
  F64 = 0x7c,
  V128 = 0x7b;
export const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  f32load: 0x2a,
  f64load: 0x2b,
  f64store: 0x39,
  i32const: 0x41,
  i32geu: 0x4f,
  i32add: 0x6a,
  i32shl: 0x74,
  i32and: 0x71,
  f64add: 0xa0,
  f64mul: 0xa2,
  f64promote: 0xbb,
};
export const simd = {
  load: 0x00,
  store: 0x0b,
  f64splat: 0x14,
  load64zero: 0x5d,
  promoteLow: 0x5f,
  f64add: 0xf0,
  f64mul: 0xf2,
};

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
export const v = (code: number): number[] => [0xfd, ...uleb(code)];
export const mem = (offset: number): number[] => [0, ...uleb(offset)];
export const get = (i: number): number[] => [op.get, ...uleb(i)];
export const set = (i: number): number[] => [op.set, ...uleb(i)];
export const i32 = (n: number): number[] => [op.i32const, ...sleb(n)];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/** `loop { if (exit) break; body }`: `exit` leaves an i32 on the stack. */
export const loopUntil = (exit: number[], body: number[]): number[] => [
  op.block,
  0x40,
  op.loop,
  0x40,
  ...exit,
  op.brIf,
  1,
  ...body,
  op.br,
  0,
  op.end,
  op.end,
];

/** A function of a module: exported under `name`; parameter types, locals as [count, type] runs, code. */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly locals: readonly (readonly [number, number])[];
  readonly code: readonly number[];
}

const utf8 = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

/**
 * A module that imports its memory as env.mem (at least `min` pages; `max` and `shared` as given) and
 * exports each function (no results) under its name.
 */
export function wasmModule(
  memory: { readonly min: number; readonly max?: number; readonly shared?: boolean },
  fns: readonly WasmFunction[],
): Uint8Array<ArrayBuffer> {
  const limits =
    memory.max === undefined
      ? [0x00, ...uleb(memory.min)]
      : [memory.shared ? 0x03 : 0x01, ...uleb(memory.min), ...uleb(memory.max)];
  const body = (f: WasmFunction): number[] => {
    const b = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.code, op.end];
    return [...uleb(b.length), ...b];
  };
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0]))),
    ...section(2, vec([[...utf8('env'), ...utf8('mem'), 0x02, ...limits]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map(body))),
  ]);
}

// A minimal WebAssembly assembler: opcodes, LEB128 integers, sections and vectors, enough to emit
// the SIMD kernels of wasm-axpy.ts and wasm-fft.ts without a toolchain.

export const I32 = 0x7f,
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

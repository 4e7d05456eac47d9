// Test helpers for .npy files built by hand: a header dict in numpy's spelling, the magic, version and
// length prefix, padding, and little-endian value bytes written with DataView (independent of the reader).

export interface NpyFileOptions {
  /** Format version: 1 (uint16 header length), 2 or 3 (uint32). Default 1. */
  readonly version?: 1 | 2 | 3;
  /** Pad so that the data starts at a multiple of this many bytes (numpy: 64). 1 = no padding. */
  readonly align?: number;
}

/** numpy's header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }. */
export function npyDict(descr: string, shape: readonly number[], fortran = false): string {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${dims}, }`;
}

/** A .npy file: magic \x93NUMPY, version, header length, the dict padded with spaces and a newline, data. */
export function npyFile(dict: string, data: Uint8Array, opts: NpyFileOptions = {}): Uint8Array {
  const version = opts.version ?? 1;
  const align = opts.align ?? 64;
  const prefix = version === 1 ? 10 : 12;
  let header = dict;
  while ((prefix + header.length + 1) % align !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(data, prefix + header.length);
  return out;
}

type Setter = 'setFloat32' | 'setInt32' | 'setUint16' | 'setFloat64';

function valueBytes(values: readonly number[], size: number, set: Setter, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view[set](i * size, v, littleEndian);
  return out;
}

export const f32Bytes = (values: readonly number[], littleEndian = true) =>
  valueBytes(values, 4, 'setFloat32', littleEndian);
export const f64Bytes = (values: readonly number[]) => valueBytes(values, 8, 'setFloat64', true);
export const i32Bytes = (values: readonly number[], littleEndian = true) =>
  valueBytes(values, 4, 'setInt32', littleEndian);
export const u16Bytes = (values: readonly number[]) => valueBytes(values, 2, 'setUint16', true);

export function i64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setBigInt64(i * 8, BigInt(v), true);
  return out;
}

/** A whole .npy file of the given dtype, shape and value bytes, as numpy lays it out. */
export function npy(
  descr: string,
  shape: readonly number[],
  data: Uint8Array,
  opts: NpyFileOptions = {},
): Uint8Array {
  return npyFile(npyDict(descr, shape), data, opts);
}

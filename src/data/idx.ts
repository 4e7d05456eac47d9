// Reader for IDX files (the MNIST container format), raw or gzip-compressed (detected by magic 1f 8b).
// Every count comes from the header; anything unexpected is a one-line DataError naming the file.

import { gunzipSync } from 'node:zlib';
import { DataError, formatCount } from './errors.ts';
import { readFileBytes } from './files.ts';
import { checkFinitePixels, checkLabel, type ImageStack, imageShape, toUnitFloat } from './split.ts';

export { DataError, formatCount } from './errors.ts';

/** IDX data types: code -> name and bytes per value (values are big-endian). */
const DTYPES: ReadonlyMap<number, { name: string; size: number }> = new Map([
  [0x08, { name: 'ubyte', size: 1 }],
  [0x09, { name: 'byte', size: 1 }],
  [0x0b, { name: 'short', size: 2 }],
  [0x0c, { name: 'int', size: 4 }],
  [0x0d, { name: 'float', size: 4 }],
  [0x0e, { name: 'double', size: 8 }],
]);
export const IDX_UBYTE = 0x08;
export const IDX_INT = 0x0c;
export const IDX_FLOAT = 0x0d;

/** A parsed IDX tensor: its data type code, dims, and its data bytes (a view into the decoded file). */
export interface IdxTensor {
  readonly dtype: number;
  readonly dims: readonly number[];
  readonly dataU8: Uint8Array;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function dtypeName(code: number): string {
  return DTYPES.get(code)?.name ?? 'unknown';
}

function orList(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Returns the IDX bytes of a file's content: gunzipped if it starts with the gzip magic, else as is. */
export function decodeIdxBytes(bytes: Uint8Array, source: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DataError(`${source}: corrupt gzip data (${why})`);
  }
}

/** Reads a file and decodes it (gunzip if needed); unreadable files become a DataError. */
export async function readIdxBytes(path: string): Promise<Uint8Array> {
  return decodeIdxBytes(await readFileBytes(path), path);
}

/**
 * Parses decoded IDX bytes: magic 00 00 <dtype> <ndims>, ndims big-endian uint32 dims, then the data.
 * The dtype must be one of `dtypes` (default ubyte only) and ndims one of `expectedDims`; the data length
 * must equal the product of the dims times the value size exactly.
 */
export function parseIdx(
  bytes: Uint8Array,
  source: string,
  expectedDims: number | readonly number[],
  dtypes: readonly number[] = [IDX_UBYTE],
): IdxTensor {
  const dimsAllowed = typeof expectedDims === 'number' ? [expectedDims] : expectedDims;
  const dimsText = `${orList(dimsAllowed.map(String))} dim${dimsAllowed.length === 1 && dimsAllowed[0] === 1 ? '' : 's'}`;
  const what =
    dtypes.length === 1 && dimsAllowed.length === 1
      ? `magic 00 00 ${hex2(dtypes[0]!)} ${hex2(dimsAllowed[0]!)} (${dtypeName(dtypes[0]!)}, ${dimsText})`
      : `magic 00 00 <type> <dims> (type ${orList(dtypes.map((d) => `${hex2(d)} ${dtypeName(d)}`))}; ${dimsText})`;
  if (bytes.length < 4) {
    throw new DataError(
      `${source}: truncated IDX file: expected a 4-byte magic (${what}), found ${bytes.length} bytes`,
    );
  }
  const [b0, b1, dtype, ndims] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  if (b0 !== 0 || b1 !== 0) {
    const found = [b0, b1, dtype, ndims].map(hex2).join(' ');
    throw new DataError(`${source}: not an IDX file: expected ${what}, found ${found}`);
  }
  if (!dtypes.includes(dtype)) {
    const expected = orList(dtypes.map((d) => `0x${hex2(d)} (${dtypeName(d)})`));
    throw new DataError(
      `${source}: unsupported IDX data type 0x${hex2(dtype)} (${dtypeName(dtype)}): expected ${expected}`,
    );
  }
  if (!dimsAllowed.includes(ndims)) {
    throw new DataError(
      `${source}: IDX file has ${ndims} dimension${ndims === 1 ? '' : 's'}, expected ${orList(dimsAllowed.map(String))}`,
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${source}: truncated IDX file: header needs ${headerBytes} bytes, found ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  const valueSize = DTYPES.get(dtype)!.size;
  let size = valueSize;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    size *= n;
  }
  const found = bytes.length - headerBytes;
  if (found !== size) {
    const shape = [...dims.map(formatCount), ...(valueSize > 1 ? [`${valueSize} bytes`] : [])].join(' x ');
    const kind = found < size ? 'truncated IDX file' : 'IDX file longer than its header says';
    throw new DataError(
      `${source}: ${kind}: header says ${shape} = ${formatCount(size)} data bytes, found ${formatCount(found)}`,
    );
  }
  return { dtype, dims, dataU8: bytes.subarray(headerBytes) };
}

/**
 * Parses an images file: 3 dims [count, rows, cols] (one channel) or 4 dims [count, channels, rows,
 * cols]; unsigned bytes become pixel / 255, floats (big-endian, as IDX stores every type) are kept.
 */
export function parseImages(bytes: Uint8Array, source: string): ImageStack {
  const { dtype, dims, dataU8 } = parseIdx(bytes, source, [3, 4], [IDX_UBYTE, IDX_FLOAT]);
  const shape = imageShape(dims, source);
  if (dtype === IDX_UBYTE) return { imagesNxHxW: toUnitFloat(dataU8), ...shape };
  const view = new DataView(dataU8.buffer, dataU8.byteOffset, dataU8.byteLength);
  const imagesNxHxW = new Float32Array(dataU8.length / 4);
  for (let i = 0; i < imagesNxHxW.length; i++) imagesNxHxW[i] = view.getFloat32(4 * i, false);
  checkFinitePixels(imagesNxHxW, source);
  return { imagesNxHxW, ...shape };
}

/**
 * Parses a labels file: 1 dim [count] of unsigned bytes or big-endian int32, every value >= 0 (and below
 * numClasses when given).
 */
export function parseLabels(bytes: Uint8Array, source: string, numClasses?: number): Int32Array {
  const { dtype, dataU8 } = parseIdx(bytes, source, 1, [IDX_UBYTE, IDX_INT]);
  const view = new DataView(dataU8.buffer, dataU8.byteOffset, dataU8.byteLength);
  const count = dtype === IDX_UBYTE ? dataU8.length : dataU8.length / 4;
  const labelsN = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = dtype === IDX_UBYTE ? dataU8[i]! : view.getInt32(4 * i, false);
    labelsN[i] = checkLabel(v, i, source, numClasses);
  }
  return labelsN;
}

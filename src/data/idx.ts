// Reader for IDX files (the MNIST container format), raw or gzip-compressed (detected by magic 1f 8b).
// Every count comes from the header; anything unexpected is a one-line DataError naming the file.

import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { UsageError } from '../types.ts';

/** A problem with data files (missing, truncated, corrupt, wrong shape, failed download). */
export class DataError extends UsageError {
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    Object.defineProperty(this, 'name', { value: 'DataError', enumerable: false, configurable: true });
  }
}

const DTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x08, 'ubyte'],
  [0x09, 'byte'],
  [0x0b, 'short'],
  [0x0c, 'int'],
  [0x0d, 'float'],
  [0x0e, 'double'],
]);
const UBYTE = 0x08;

/** A parsed IDX tensor of unsigned bytes; dataU8 is a view into the decoded file bytes. */
export interface IdxTensor {
  readonly dims: readonly number[];
  readonly dataU8: Uint8Array;
}

export interface ImagesU8 {
  readonly imagesNxHxW: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
}

/** Thousands separators, locale-independent: 22699 -> "22,699". */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
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
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: cannot read file (${code ?? String(err)})`);
  }
  return decodeIdxBytes(bytes, path);
}

/**
 * Parses decoded IDX bytes: magic 00 00 <dtype> <ndims>, ndims big-endian uint32 dims, then the data.
 * Only dtype 0x08 (ubyte) is supported; the data length must equal the product of the dims exactly.
 */
export function parseIdx(bytes: Uint8Array, source: string, expectedDims: number): IdxTensor {
  const what = `magic 00 00 08 ${hex2(expectedDims)} (ubyte, ${expectedDims} dims)`;
  if (bytes.length < 4) {
    throw new DataError(
      `${source}: truncated IDX file: expected a 4-byte magic (${what}), found ${bytes.length} bytes`,
    );
  }
  const b0 = bytes[0]!,
    b1 = bytes[1]!,
    dtype = bytes[2]!,
    ndims = bytes[3]!;
  if (b0 !== 0 || b1 !== 0) {
    const found = [b0, b1, dtype, ndims].map(hex2).join(' ');
    throw new DataError(`${source}: not an IDX file: expected ${what}, found ${found}`);
  }
  if (dtype !== UBYTE) {
    const name = DTYPE_NAMES.get(dtype) ?? 'unknown';
    throw new DataError(
      `${source}: unsupported IDX data type 0x${hex2(dtype)} (${name}): expected 0x08 (ubyte)`,
    );
  }
  if (ndims !== expectedDims) {
    throw new DataError(
      `${source}: IDX file has ${ndims} dimension${ndims === 1 ? '' : 's'}, expected ${expectedDims}`,
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
  let size = 1;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    size *= n;
  }
  const found = bytes.length - headerBytes;
  if (found !== size) {
    const shape = dims.map(formatCount).join(' x ');
    const kind = found < size ? 'truncated IDX file' : 'IDX file longer than its header says';
    throw new DataError(
      `${source}: ${kind}: header says ${shape} = ${formatCount(size)} data bytes, found ${formatCount(found)}`,
    );
  }
  return { dims, dataU8: bytes.subarray(headerBytes) };
}

/** Parses an images file: 3 dims [count, rows, cols]. */
export function parseImages(bytes: Uint8Array, source: string): ImagesU8 {
  const { dims, dataU8 } = parseIdx(bytes, source, 3);
  return { imagesNxHxW: dataU8, count: dims[0]!, rows: dims[1]!, cols: dims[2]! };
}

/** Parses a labels file: 1 dim [count], every value in 0..numClasses-1. */
export function parseLabels(bytes: Uint8Array, source: string, numClasses = 10): Int32Array {
  const { dataU8 } = parseIdx(bytes, source, 1);
  const labelsN = new Int32Array(dataU8.length);
  for (let i = 0; i < dataU8.length; i++) {
    const v = dataU8[i]!;
    if (v >= numClasses) {
      throw new DataError(`${source}: label ${v} at index ${i} is outside 0..${numClasses - 1}`);
    }
    labelsN[i] = v;
  }
  return labelsN;
}

/** Images and labels files must describe the same number of examples. */
export function checkSameCount(
  imagesCount: number,
  imagesPath: string,
  labelsCount: number,
  labelsPath: string,
): void {
  if (imagesCount !== labelsCount) {
    throw new DataError(
      `${imagesPath} holds ${formatCount(imagesCount)} images but ${labelsPath} holds ${formatCount(labelsCount)} labels`,
    );
  }
}

/** Pixels 0..255 -> float32 in [0, 1] (pixel / 255). */
export function toUnitFloat(pixelsU8: Uint8Array): Float32Array {
  const out = new Float32Array(pixelsU8.length);
  for (let i = 0; i < pixelsU8.length; i++) out[i] = pixelsU8[i]! / 255;
  return out;
}

// Strict reader for NumPy .npy files (magic, version, a Python-dict header, raw C-order data) and their
// conversion to images and labels. Hand-written: npyjs neither checks data length nor keeps byte order.

import { DataError, formatCount } from './errors.ts';
import {
  checkFinitePixels,
  formatShape,
  type ImageStack,
  imageShape,
  toLabels,
  toUnitFloat,
} from './split.ts';

/** A parsed .npy array: its dtype descr (e.g. "<f4", "|u1"), shape, and data bytes (a view). */
export interface NpyArray {
  readonly descr: string;
  /** numpy's kind letter ('u', 'i', 'f', 'b', ...) and bytes per value, from descr. */
  readonly kind: string;
  readonly itemSize: number;
  readonly shape: readonly number[];
  readonly dataU8: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const KIND_NAMES: Readonly<Record<string, string>> = {
  u: 'uint',
  i: 'int',
  f: 'float',
  b: 'bool',
  c: 'complex',
};

/** numpy's name for a dtype: "uint8", "float32", else the descr itself. */
export function npyDtypeName(a: Pick<NpyArray, 'descr' | 'kind' | 'itemSize'>): string {
  const base = KIND_NAMES[a.kind];
  if (base === undefined) return `'${a.descr}'`;
  if (a.kind === 'b') return 'bool';
  return `${base}${8 * a.itemSize}`;
}

type HeaderValue = string | boolean | number[];

/** Parses the header dict numpy writes: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }. */
function parseHeaderDict(text: string, source: string): Map<string, HeaderValue> {
  let i = 0;
  const fail = (what: string): never => {
    throw new DataError(
      `${source}: malformed .npy header: ${what} at character ${i} of ${JSON.stringify(text.trim())}`,
    );
  };
  const skip = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (ch: string) => {
    skip();
    if (text[i] !== ch) fail(`expected '${ch}'`);
    i++;
  };
  const str = (): string => {
    skip();
    const q = text[i];
    if (q !== "'" && q !== '"') return fail('expected a quoted string');
    const end = text.indexOf(q, i + 1);
    if (end < 0) fail('unterminated string');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const value = (): HeaderValue => {
    skip();
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (text.startsWith('True', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('False', i)) {
      i += 5;
      return false;
    }
    if (c === '[') return fail('structured dtypes (a list descr) are not supported');
    if (c !== '(') return fail('expected a string, True, False or a tuple');
    i++;
    const dims: number[] = [];
    for (;;) {
      skip();
      if (text[i] === ')') break;
      const m = /^\d+/.exec(text.slice(i));
      if (m === null) return fail('expected a non-negative integer in the shape');
      dims.push(Number(m[0]));
      i += m[0].length;
      skip();
      if (text[i] === ',') i++;
      else if (text[i] !== ')') fail("expected ',' or ')' in the shape");
    }
    i++;
    return dims;
  };
  const dict = new Map<string, HeaderValue>();
  expect('{');
  for (;;) {
    skip();
    if (text[i] === '}') break;
    const key = str();
    expect(':');
    if (dict.has(key)) fail(`repeated key '${key}'`);
    dict.set(key, value());
    skip();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail("expected ',' or '}'");
  }
  i++;
  skip();
  if (i !== text.length) fail("unexpected text after '}'");
  return dict;
}

/**
 * Parses .npy bytes (versions 1.0, 2.0, 3.0). Requires exactly the keys descr, fortran_order and shape,
 * C order, a little-endian or byte-order-free descr, and data of exactly prod(shape) × itemsize bytes.
 */
export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    const found = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(
      `${source}: not a .npy file: expected magic 93 4e 55 4d 50 59 (\\x93NUMPY), found ${found}`,
    );
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw new DataError(`${source}: unsupported .npy version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new DataError(`${source}: truncated .npy file: no header length`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (bytes.length < dataStart) {
    throw new DataError(
      `${source}: truncated .npy file: header needs ${formatCount(dataStart)} bytes, found ${formatCount(bytes.length)}`,
    );
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(8 + lenBytes, dataStart),
  );
  const dict = parseHeaderDict(text, source);
  const keys = [...dict.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') {
    throw new DataError(
      `${source}: malformed .npy header: keys are ${keys}, expected descr, fortran_order, shape`,
    );
  }
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string')
    throw new DataError(`${source}: malformed .npy header: descr is not a string`);
  if (typeof fortran !== 'boolean') {
    throw new DataError(`${source}: malformed .npy header: fortran_order is not True or False`);
  }
  if (!Array.isArray(shape)) throw new DataError(`${source}: malformed .npy header: shape is not a tuple`);

  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (m === null) throw new DataError(`${source}: unsupported .npy dtype '${descr}'`);
  const [, order, kind, sizeText] = m as unknown as [string, string, string, string];
  const itemSize = Number(sizeText);
  if (order === '>' && itemSize > 1) {
    throw new DataError(
      `${source}: big-endian data ('${descr}'): save it little-endian (x.astype('<${kind}${itemSize}'))`,
    );
  }
  if (order === '=' && itemSize > 1) {
    throw new DataError(
      `${source}: native byte order ('${descr}') is ambiguous: save it as '<${kind}${itemSize}'`,
    );
  }
  // A Fortran-order array is laid out differently from C order once two of its dims exceed 1.
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    throw new DataError(`${source}: Fortran-order array: save it in C order (np.ascontiguousarray(x))`);
  }
  const expected = shape.reduce((p, d) => p * d, itemSize);
  const found = bytes.length - dataStart;
  if (found !== expected) {
    const kindText = found < expected ? 'truncated .npy file' : '.npy file longer than its header says';
    throw new DataError(
      `${source}: ${kindText}: header says shape ${formatShape(shape)} of ${npyDtypeName({ descr, kind, itemSize })} = ${formatCount(expected)} data bytes, found ${formatCount(found)}`,
    );
  }
  return { descr, kind, itemSize, shape, dataU8: bytes.subarray(dataStart) };
}

/** The data as a typed array of its dtype (copied when the data is not aligned to the value size). */
function typedData<T>(a: NpyArray, make: (buf: ArrayBufferLike, offset: number, length: number) => T): T {
  const data = a.dataU8.byteOffset % a.itemSize === 0 ? a.dataU8 : a.dataU8.slice();
  return make(data.buffer, data.byteOffset, data.length / a.itemSize);
}

/** Images from a .npy array: uint8 (-> pixel / 255) or float32 (as is), shape N×H×W or N×C×H×W. */
export function npyImages(a: NpyArray, source: string): ImageStack {
  const shape = imageShape(a.shape, source);
  if (a.kind === 'u' && a.itemSize === 1) return { imagesNxHxW: toUnitFloat(a.dataU8), ...shape };
  if (a.kind === 'f' && a.itemSize === 4) {
    const imagesNxHxW = typedData(a, (b, o, n) => new Float32Array(b, o, n)).slice();
    checkFinitePixels(imagesNxHxW, source);
    return { imagesNxHxW, ...shape };
  }
  const hint = a.kind === 'f' ? ' (save x.astype(np.float32))' : '';
  throw new DataError(`${source}: images must be uint8 or float32, found ${npyDtypeName(a)}${hint}`);
}

/** Labels from a .npy array of any integer dtype, shape N (or N×1, as Keras saves them), values >= 0. */
export function npyLabels(a: NpyArray, source: string): Int32Array {
  const { shape } = a;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw new DataError(`${source}: labels must have shape N or N×1, found ${formatShape(shape)}`);
  }
  if (a.kind !== 'u' && a.kind !== 'i') {
    throw new DataError(
      `${source}: labels must be integers (e.g. uint8, int32, int64), found ${npyDtypeName(a)}`,
    );
  }
  const signed = a.kind === 'i';
  switch (a.itemSize) {
    case 1:
      return toLabels(
        typedData(a, (b, o, n) => (signed ? new Int8Array(b, o, n) : new Uint8Array(b, o, n))),
        source,
      );
    case 2:
      return toLabels(
        typedData(a, (b, o, n) => (signed ? new Int16Array(b, o, n) : new Uint16Array(b, o, n))),
        source,
      );
    case 4:
      return toLabels(
        typedData(a, (b, o, n) => (signed ? new Int32Array(b, o, n) : new Uint32Array(b, o, n))),
        source,
      );
    case 8:
      return toLabels(
        typedData(a, (b, o, n) => (signed ? new BigInt64Array(b, o, n) : new BigUint64Array(b, o, n))),
        source,
      );
    default:
      throw new DataError(`${source}: unsupported label dtype '${a.descr}'`);
  }
}

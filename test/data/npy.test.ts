// Tests of the .npy reader: hand-built files (versions, padding, dtypes, shapes), files written by numpy
// itself (test/data/numpy/make.py), and each refusal (Fortran order, big-endian, dtypes, lengths, header).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { npyImages, npyLabels, parseNpy } from '../../src/data/npy.ts';
import { throwsData } from './fixtures.ts';
import { f32Bytes, f64Bytes, i32Bytes, i64Bytes, npy, npyDict, npyFile, u16Bytes } from './npy-fixtures.ts';

const NUMPY_DIR = join(import.meta.dirname, 'numpy');
const numpyFile = (name: string) => new Uint8Array(readFileSync(join(NUMPY_DIR, name)));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('.npy parsing of hand-built files', () => {
  it('uint8 N×H×W images: shape from the header, one channel, pixels / 255', () => {
    const pixels = range(2 * 3 * 4).map((k) => (k * 11) % 256);
    const a = parseNpy(npy('|u1', [2, 3, 4], Uint8Array.from(pixels)), 'x.npy');
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.equal(a.descr, '|u1');
    const img = npyImages(a, 'x.npy');
    assert.deepEqual([img.count, img.channels, img.rows, img.cols], [2, 1, 3, 4]);
    assert.deepEqual(
      Array.from(img.imagesNxHxW),
      pixels.map((p) => Math.fround(p / 255)),
    );
  });

  it('float32 N×C×H×W images are kept as they are', () => {
    const values = range(2 * 3 * 2 * 2).map((k) => (k - 7) * 0.37);
    const img = npyImages(parseNpy(npy('<f4', [2, 3, 2, 2], f32Bytes(values)), 'x.npy'), 'x.npy');
    assert.deepEqual([img.count, img.channels, img.rows, img.cols], [2, 3, 2, 2]);
    assert.deepEqual(Array.from(img.imagesNxHxW), values.map(Math.fround));
  });

  it('reads versions 2.0 and 3.0 (uint32 header length) and unaligned data', () => {
    const values = [0.5, -1.25, 3, 4];
    for (const opts of [{ version: 2 as const }, { version: 3 as const }, { align: 1 }, { align: 3 }]) {
      const bytes = npy('<f4', [1, 2, 2], f32Bytes(values), opts);
      const img = npyImages(parseNpy(bytes, 'x.npy'), 'x.npy');
      assert.deepEqual(Array.from(img.imagesNxHxW), values, JSON.stringify(opts));
    }
  });

  it('labels: int64, int32, uint8 and uint16, shape N or N×1', () => {
    const labels = [3, 0, 9, 41];
    const cases: [string, Uint8Array][] = [
      ['<i8', i64Bytes(labels)],
      ['<i4', i32Bytes(labels)],
      ['|u1', Uint8Array.from(labels)],
      ['<u2', u16Bytes(labels)],
    ];
    for (const [descr, data] of cases) {
      for (const shape of [[4], [4, 1]]) {
        const got = npyLabels(parseNpy(npy(descr, shape, data, { align: 1 }), 'y.npy'), 'y.npy');
        assert.ok(got instanceof Int32Array);
        assert.deepEqual(Array.from(got), labels, `${descr} ${shape}`);
      }
    }
  });

  it('accepts keys in any order and double quotes', () => {
    const dict = `{"shape": (1, 1, 2), "fortran_order": False, "descr": "|u1"}`;
    const img = npyImages(parseNpy(npyFile(dict, Uint8Array.from([0, 255])), 'x.npy'), 'x.npy');
    assert.deepEqual(Array.from(img.imagesNxHxW), [0, 1]);
  });
});

describe('.npy files written by numpy', () => {
  const f32 = range(2 * 3 * 2 * 2).map((k) => (k - 5) / 4);

  it('uint8 (2, 3, 4) images', () => {
    const img = npyImages(parseNpy(numpyFile('u8-2x3x4.npy'), 'u8'), 'u8');
    assert.deepEqual([img.count, img.channels, img.rows, img.cols], [2, 1, 3, 4]);
    assert.deepEqual(
      Array.from(img.imagesNxHxW),
      range(24).map((k) => Math.fround((k * 10) / 255)),
    );
  });

  it('float32 (2, 3, 2, 2) images, version 1.0 and 2.0', () => {
    for (const name of ['f32-2x3x2x2.npy', 'f32-2x3x2x2-v2.npy']) {
      const img = npyImages(parseNpy(numpyFile(name), name), name);
      assert.deepEqual([img.count, img.channels, img.rows, img.cols], [2, 3, 2, 2]);
      assert.deepEqual(Array.from(img.imagesNxHxW), f32);
    }
  });

  it('int64 labels and Keras-style (N, 1) uint8 labels', () => {
    assert.deepEqual(Array.from(npyLabels(parseNpy(numpyFile('i64-labels.npy'), 'y'), 'y')), [3, 0, 7]);
    assert.deepEqual(Array.from(npyLabels(parseNpy(numpyFile('u8-labels-keras.npy'), 'y'), 'y')), [1, 2]);
  });

  it('refuses Fortran order, big-endian, float64 images and float labels, naming the file', () => {
    throwsData(() => parseNpy(numpyFile('f32-fortran.npy'), 'a.npy'), 'a.npy: Fortran-order array');
    throwsData(() => parseNpy(numpyFile('f32-big-endian.npy'), 'b.npy'), "b.npy: big-endian data ('>f4')");
    throwsData(
      () => npyImages(parseNpy(numpyFile('f64-images.npy'), 'c.npy'), 'c.npy'),
      'c.npy: images must be uint8 or float32, found float64',
      'astype(np.float32)',
    );
    throwsData(
      () => npyLabels(parseNpy(numpyFile('f32-labels.npy'), 'd.npy'), 'd.npy'),
      'd.npy: labels must be integers',
      'found float32',
    );
  });
});

describe('.npy errors are one line naming the file', () => {
  const u8 = (shape: number[], n: number) => npy('|u1', shape, new Uint8Array(n));

  it('not a .npy file, or an unknown version', () => {
    throwsData(
      () => parseNpy(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 0, 0]), 'p.png'),
      'p.png: not a .npy file',
    );
    throwsData(() => parseNpy(new Uint8Array(3), 'tiny.npy'), 'tiny.npy: not a .npy file');
    const v4 = u8([1, 1, 1], 1);
    v4[6] = 4;
    throwsData(() => parseNpy(v4, 'v4.npy'), 'v4.npy: unsupported .npy version 4.0');
  });

  it('data shorter or longer than the header says', () => {
    throwsData(
      () => parseNpy(u8([2, 3, 4], 23), 's.npy'),
      's.npy: truncated .npy file',
      'shape (2, 3, 4) of uint8 = 24 data bytes, found 23',
    );
    throwsData(
      () => parseNpy(npy('<f4', [2, 2], new Uint8Array(17)), 'l.npy'),
      'l.npy: .npy file longer than its header says',
      '= 16 data bytes, found 17',
    );
    // The dict (62 characters) after the 10-byte prefix pads to 128 bytes, as numpy aligns to 64.
    const cut = u8([1, 2, 2], 4).subarray(0, 30);
    throwsData(() => parseNpy(cut, 'h.npy'), 'h.npy: truncated .npy file: header needs 128 bytes, found 30');
  });

  it('hand-built Fortran order and big-endian headers', () => {
    throwsData(
      () => parseNpy(npyFile(npyDict('|u1', [2, 2, 2], true), new Uint8Array(8)), 'f.npy'),
      'f.npy: Fortran-order',
    );
    throwsData(() => parseNpy(npy('>i8', [2], new Uint8Array(16)), 'b.npy'), 'b.npy: big-endian', "'>i8'");
    // One-byte values have no byte order: '>u1' is the same data as '|u1'.
    assert.deepEqual(parseNpy(npy('>u1', [2], Uint8Array.from([1, 2])), 'ok').shape, [2]);
  });

  it('malformed headers: missing or extra keys, structured dtypes, junk', () => {
    const data = new Uint8Array(2);
    throwsData(
      () => parseNpy(npyFile("{'descr': '|u1', 'shape': (2,), }", data), 'k.npy'),
      'k.npy: malformed .npy header: keys are descr, shape',
    );
    throwsData(
      () => parseNpy(npyFile(`${npyDict('|u1', [2]).slice(0, -1)}'extra': 1, }`, data), 'e.npy'),
      'e.npy: malformed .npy header',
    );
    throwsData(
      () =>
        parseNpy(
          npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", data),
          's.npy',
        ),
      's.npy: malformed .npy header: structured dtypes',
    );
    throwsData(
      () => parseNpy(npyFile('not a dict', data), 'j.npy'),
      "j.npy: malformed .npy header: expected '{'",
    );
    throwsData(
      () => parseNpy(npyFile("{'descr': '|u1', 'fortran_order': False, 'shape': (-2,), }", data), 'n.npy'),
      'n.npy: malformed .npy header',
    );
  });

  it('images: other dtypes, shapes, channels-last, non-finite pixels', () => {
    throwsData(
      () => npyImages(parseNpy(npy('<i4', [1, 1, 1], i32Bytes([1])), 'i.npy'), 'i.npy'),
      'i.npy: images must be uint8 or float32, found int32',
    );
    throwsData(
      () => npyImages(parseNpy(u8([4, 5], 20), 'two.npy'), 'two.npy'),
      'two.npy: images must have shape N×H×W or N×C×H×W, found (4, 5)',
    );
    throwsData(
      () => npyImages(parseNpy(u8([2, 8, 8, 3], 384), 'nhwc.npy'), 'nhwc.npy'),
      'nhwc.npy: images of shape (2, 8, 8, 3) look channels-last',
      'x.transpose(0, 3, 1, 2)',
    );
    throwsData(
      () => npyImages(parseNpy(u8([0, 2, 2], 0), 'empty.npy'), 'empty.npy'),
      'empty.npy: holds no images',
    );
    throwsData(
      () => npyImages(parseNpy(npy('<f4', [1, 1, 3], f32Bytes([0, Number.NaN, 1])), 'nan.npy'), 'nan.npy'),
      'nan.npy: pixel 1 is NaN',
    );
    throwsData(
      () => npyImages(parseNpy(npy('<f8', [1, 1, 1], f64Bytes([1])), 'd.npy'), 'd.npy'),
      'found float64',
    );
  });

  it('labels: negative values, 2-D shapes, bool', () => {
    throwsData(
      () => npyLabels(parseNpy(npy('<i8', [3], i64Bytes([0, -1, 2])), 'neg.npy'), 'neg.npy'),
      'neg.npy: label -1 at index 1 is negative',
    );
    throwsData(
      () => npyLabels(parseNpy(npy('<i4', [2, 2], i32Bytes([0, 1, 2, 3])), 'm.npy'), 'm.npy'),
      'm.npy: labels must have shape N or N×1, found (2, 2)',
    );
    throwsData(
      () => npyLabels(parseNpy(npy('|b1', [2], Uint8Array.from([0, 1])), 'b.npy'), 'b.npy'),
      'found bool',
    );
    throwsData(
      () => npyLabels(parseNpy(npy('<i8', [1], i64Bytes([2 ** 40])), 'big.npy'), 'big.npy'),
      'big.npy: label 1099511627776 at index 0 is larger than 2^31-1',
    );
  });
});

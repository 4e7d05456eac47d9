// Tests of the IDX reader: raw and gzip fixtures written to a temp dir, 4-dim and float images, int
// labels, and every error case (truncated, wrong magic, dims, dtype, corrupt gzip, bad labels, counts).

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  DataError,
  formatCount,
  isGzip,
  parseIdx,
  parseImages,
  parseLabels,
  readIdxBytes,
} from '../../src/data/idx.ts';
import { checkSameCount, toUnitFloat } from '../../src/data/split.ts';
import { UsageError } from '../../src/types.ts';
import { fixturePixel, idxBytes, imagesIdx, labelsIdx, makeTempDir } from './fixtures.ts';
import { f32Bytes, i32Bytes } from './npy-fixtures.ts';

const tmp = makeTempDir();
after(tmp.cleanup);

function write(name: string, bytes: Uint8Array): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Asserts fn throws a one-line DataError whose message contains every fragment. */
async function rejectsWith(fn: () => unknown, ...fragments: string[]): Promise<void> {
  await assert.rejects(
    async () => fn(),
    (err: unknown) => {
      assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
      assert.ok(!err.message.includes('\n'), `message is not one line: ${err.message}`);
      for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" lacks "${f}"`);
      return true;
    },
  );
}

async function readImages(path: string) {
  return parseImages(await readIdxBytes(path), path);
}

async function readLabels(path: string, numClasses?: number) {
  return parseLabels(await readIdxBytes(path), path, numClasses);
}

describe('IDX parsing', () => {
  it('reads a raw images file: dims from the header, one channel, pixels / 255 in order', async () => {
    const path = write('img-raw', imagesIdx(3, 4, 2));
    const img = await readImages(path);
    assert.deepEqual([img.count, img.channels, img.rows, img.cols], [3, 1, 4, 2]);
    assert.equal(img.imagesNxHxW.length, 24);
    assert.equal(img.imagesNxHxW[(2 * 4 + 3) * 2 + 1], Math.fround(fixturePixel(2, 3, 1) / 255));
  });

  it('reads 4-dim unsigned-byte images [N, C, H, W] with their channels', async () => {
    const pixels = Array.from({ length: 2 * 3 * 2 * 5 }, (_, k) => (k * 13) % 256);
    const path = write('img4.idx', idxBytes([2, 3, 2, 5], pixels));
    const img = await readImages(path);
    assert.deepEqual([img.count, img.channels, img.rows, img.cols], [2, 3, 2, 5]);
    // Image 1, channel 2, row 1, col 4 is byte ((1*3 + 2)*2 + 1)*5 + 4 of the data.
    assert.equal(img.imagesNxHxW[((1 * 3 + 2) * 2 + 1) * 5 + 4], Math.fround(pixels[59]! / 255));
    assert.deepEqual(
      Array.from(img.imagesNxHxW),
      pixels.map((p) => Math.fround(p / 255)),
    );
  });

  it('reads float images (type 0x0d, big-endian) as they are', async () => {
    const values = [0.5, -2, 1e-3, 7.25, 0, 3, -0.125, 100];
    const path = write('float.idx', idxBytes([2, 2, 2], f32Bytes(values, false), 0x0d));
    const img = await readImages(path);
    assert.deepEqual([img.count, img.channels, img.rows, img.cols], [2, 1, 2, 2]);
    assert.deepEqual(Array.from(img.imagesNxHxW), values.map(Math.fround));
  });

  it('reads int labels (type 0x0c, big-endian), not bounded unless asked', async () => {
    const path = write('int-labels.idx', idxBytes([3], i32Bytes([300, 0, 70000], false), 0x0c));
    assert.deepEqual(Array.from(await readLabels(path)), [300, 0, 70000]);
    await rejectsWith(() => readLabels(path, 10), path, 'label 300 at index 0 is outside 0..9');
    const neg = write('neg-labels.idx', idxBytes([2], i32Bytes([1, -4], false), 0x0c));
    await rejectsWith(() => readLabels(neg), neg, 'label -4 at index 1 is negative');
  });

  it('reads a gzip file identically (gzip detected by magic, not by name)', async () => {
    const raw = imagesIdx(5, 3, 3);
    const gz = new Uint8Array(gzipSync(raw));
    assert.ok(isGzip(gz) && !isGzip(raw));
    const a = await readImages(write('img.gz', gz));
    const b = await readImages(write('img-gz-without-suffix', gz));
    const c = await readImages(write('img-raw2', raw));
    assert.deepEqual(a, c);
    assert.deepEqual(b, c);
  });

  it('reads labels as Int32Array', async () => {
    const labels = await readLabels(write('lab.gz', new Uint8Array(gzipSync(labelsIdx(13)))));
    assert.ok(labels instanceof Int32Array);
    assert.deepEqual(Array.from(labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2]);
  });

  it('parses a header with zero items and a generic parseIdx', () => {
    const t = parseIdx(idxBytes([0, 28, 28], []), 'empty', 3);
    assert.deepEqual(t.dims, [0, 28, 28]);
    assert.equal(t.dataU8.length, 0);
  });

  it('toUnitFloat maps pixels to pixel/255 in [0, 1]', () => {
    const f = toUnitFloat(new Uint8Array([0, 51, 255]));
    assert.ok(f instanceof Float32Array);
    assert.deepEqual(Array.from(f), [0, Math.fround(0.2), 1]);
  });

  it('formatCount uses thousands separators', () => {
    assert.equal(formatCount(22699), '22,699');
    assert.equal(formatCount(60000000), '60,000,000');
    assert.equal(formatCount(999), '999');
  });
});

describe('IDX errors name the file and say what was expected', () => {
  it('DataError is a one-line UsageError', () => {
    const e = new DataError('a\nb');
    assert.ok(e instanceof UsageError);
    assert.equal(e.name, 'DataError');
    assert.equal(e.message, 'a b');
  });

  it('payload shorter than the header says', async () => {
    const bytes = imagesIdx(3, 2, 2);
    const path = write('trunc.idx', bytes.subarray(0, bytes.length - 1));
    await rejectsWith(
      () => readImages(path),
      path,
      'truncated IDX file',
      'header says 3 x 2 x 2 = 12 data bytes, found 11',
    );
  });

  it('truncated gzip payload (gzip intact but IDX short)', async () => {
    const bytes = labelsIdx(100);
    const path = write('trunc-lab.gz', new Uint8Array(gzipSync(bytes.subarray(0, 50))));
    await rejectsWith(() => readLabels(path), path, 'truncated IDX file', '= 100 data bytes, found 42');
  });

  it('file shorter than its header', async () => {
    const path = write('short-header', imagesIdx(3, 2, 2).subarray(0, 10));
    await rejectsWith(() => readImages(path), path, 'header needs 16 bytes, found 10');
    const tiny = write('tiny', new Uint8Array([0, 0]));
    await rejectsWith(() => readImages(tiny), tiny, 'found 2 bytes');
  });

  it('payload longer than the header says', async () => {
    const path = write('long.idx', new Uint8Array([...labelsIdx(4), 9, 9]));
    await rejectsWith(() => readLabels(path), path, 'longer than its header says', 'found 6');
  });

  it('wrong magic', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0]);
    const path = write('picture.png', png);
    await rejectsWith(
      () => readImages(path),
      path,
      'not an IDX file',
      'expected magic 00 00 <type> <dims> (type 08 ubyte or 0d float; 3 or 4 dims)',
      'found 89 50 4e 47',
    );
  });

  it('wrong number of dims: a labels file read as images and vice versa', async () => {
    const lab = write('labels-as-images', labelsIdx(5));
    await rejectsWith(() => readImages(lab), lab, 'IDX file has 1 dimension, expected 3 or 4');
    const img = write('images-as-labels', imagesIdx(2, 2, 2));
    await rejectsWith(() => readLabels(img), img, 'IDX file has 3 dimensions, expected 1');
  });

  it('unsupported data type', async () => {
    const path = write('double.idx', idxBytes([1, 1, 1], new Array(8).fill(0), 0x0e));
    await rejectsWith(
      () => readImages(path),
      path,
      'unsupported IDX data type 0x0e (double)',
      'expected 0x08 (ubyte) or 0x0d (float)',
    );
    const lab = write('float-labels.idx', idxBytes([1], [0, 0, 0, 0], 0x0d));
    await rejectsWith(() => readLabels(lab), lab, 'expected 0x08 (ubyte) or 0x0c (int)');
  });

  it('float data: length counts 4 bytes a value; non-finite pixels are refused', async () => {
    const short = write('float-short.idx', idxBytes([1, 2, 2], new Array(15).fill(0), 0x0d));
    await rejectsWith(
      () => readImages(short),
      short,
      'header says 1 x 2 x 2 x 4 bytes = 16 data bytes, found 15',
    );
    const inf = write(
      'float-inf.idx',
      idxBytes([1, 1, 2], f32Bytes([1, Number.POSITIVE_INFINITY], false), 0x0d),
    );
    await rejectsWith(() => readImages(inf), inf, 'pixel 1 is Infinity');
  });

  it('images files with no images or channels-last shapes', async () => {
    const empty = write('empty.idx', idxBytes([0, 28, 28], []));
    await rejectsWith(() => readImages(empty), empty, 'holds no images');
    const nhwc = write('nhwc.idx', idxBytes([1, 6, 6, 3], new Array(108).fill(0)));
    await rejectsWith(() => readImages(nhwc), nhwc, 'look channels-last');
  });

  it('corrupt gzip: garbage after the magic, and a cut-off stream', async () => {
    const garbage = write(
      'garbage.gz',
      new Uint8Array([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    );
    await rejectsWith(() => readImages(garbage), garbage, 'corrupt gzip data');
    const gz = new Uint8Array(gzipSync(imagesIdx(50, 8, 8)));
    const cut = write('cut.gz', gz.subarray(0, gz.length >> 1));
    await rejectsWith(() => readImages(cut), cut, 'corrupt gzip data', 'unexpected end of file');
  });

  it('label values outside 0..9', async () => {
    const path = write('bad-labels', idxBytes([4], [1, 2, 10, 3]));
    await rejectsWith(() => readLabels(path, 10), path, 'label 10 at index 2 is outside 0..9');
  });

  it('image and label counts that disagree', async () => {
    await rejectsWith(
      () => checkSameCount(1000, '/d/img', 999, '/d/lab'),
      '/d/img holds 1,000 images but /d/lab holds 999 labels',
    );
  });

  it('a missing file', async () => {
    const path = join(tmp.dir, 'nope.gz');
    await rejectsWith(() => readIdxBytes(path), path, 'cannot read file (ENOENT)');
  });
});

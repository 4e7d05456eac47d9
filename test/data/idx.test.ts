// Tests of the IDX reader: raw and gzip fixtures written to a temp dir, and every error case
// (truncated, wrong magic, wrong dims, wrong dtype, corrupt gzip, bad labels, count mismatch).

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  checkSameCount,
  DataError,
  formatCount,
  isGzip,
  parseIdx,
  parseImages,
  parseLabels,
  readIdxBytes,
  toUnitFloat,
} from '../../src/data/idx.ts';
import { UsageError } from '../../src/types.ts';
import { fixturePixel, idxBytes, imagesIdx, labelsIdx, makeTempDir } from './fixtures.ts';

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

async function readLabels(path: string) {
  return parseLabels(await readIdxBytes(path), path);
}

describe('IDX parsing', () => {
  it('reads a raw images file: dims from the header, pixels in order', async () => {
    const path = write('img-raw', imagesIdx(3, 4, 2));
    const img = await readImages(path);
    assert.deepEqual([img.count, img.rows, img.cols], [3, 4, 2]);
    assert.equal(img.imagesNxHxW.length, 24);
    assert.equal(img.imagesNxHxW[(2 * 4 + 3) * 2 + 1], fixturePixel(2, 3, 1));
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
      'expected magic 00 00 08 03',
      'found 89 50 4e 47',
    );
  });

  it('wrong number of dims: a labels file read as images and vice versa', async () => {
    const lab = write('labels-as-images', labelsIdx(5));
    await rejectsWith(() => readImages(lab), lab, 'IDX file has 1 dimension, expected 3');
    const img = write('images-as-labels', imagesIdx(2, 2, 2));
    await rejectsWith(() => readLabels(img), img, 'IDX file has 3 dimensions, expected 1');
  });

  it('unsupported data type', async () => {
    const path = write('float.idx', idxBytes([1, 1, 1], [0, 0, 0, 0], 0x0d));
    await rejectsWith(
      () => readImages(path),
      path,
      'unsupported IDX data type 0x0d (float)',
      'expected 0x08 (ubyte)',
    );
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
    await rejectsWith(() => readLabels(path), path, 'label 10 at index 2 is outside 0..9');
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

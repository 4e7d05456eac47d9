// Tests of loading a user's directory through loadDataset: .npy (both naming schemes) and IDX (short and
// MNIST names, gzip, 4-dim, float) files written here, the Dataset's fields, and the one-line errors.

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DATA_DIR_LAYOUTS, loadDataDir } from '../../src/data/data-dir.ts';
import { loadDataset } from '../../src/data/datasets.ts';
import { UsageError } from '../../src/types.ts';
import { idxBytes, makeTempDir, rejectsData } from './fixtures.ts';
import { f32Bytes, i32Bytes, i64Bytes, npy } from './npy-fixtures.ts';

const tmp = makeTempDir('esgrad-user-data-');
after(tmp.cleanup);
let dirCount = 0;
function freshDir(name = `d${dirCount}`): string {
  const dir = join(tmp.dir, `${dirCount++}`, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Pixel byte of example i, channel c, row r, col w: distinct enough to catch any misplaced copy. */
const pixel = (i: number, c: number, r: number, w: number) => (i * 31 + c * 17 + r * 5 + w) % 256;

function pixelsU8(n: number, c: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(n * c * h * w);
  let k = 0;
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let r = 0; r < h; r++) for (let col = 0; col < w; col++) out[k++] = pixel(i, ch, r, col);
  return out;
}

const labelsOf = (n: number, offset: number, classes: number) =>
  Array.from({ length: n }, (_, i) => (i * 3 + offset) % classes);

function write(dir: string, name: string, bytes: Uint8Array): string {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
}

describe('a directory of .npy files', () => {
  it('float32 N×C×H×W images and int64 labels (train-images.npy, ...)', async () => {
    const dir = freshDir('cifar-ish');
    const [C, H, W] = [3, 4, 5];
    const train = Array.from(pixelsU8(6, C, H, W), (p) => p / 8 - 2);
    const test = Array.from(pixelsU8(4, C, H, W), (p) => p / 4);
    write(dir, 'train-images.npy', npy('<f4', [6, C, H, W], f32Bytes(train)));
    write(dir, 'train-labels.npy', npy('<i8', [6], i64Bytes(labelsOf(6, 0, 5))));
    write(dir, 'test-images.npy', npy('<f4', [4, C, H, W], f32Bytes(test)));
    write(dir, 'test-labels.npy', npy('<i8', [4], i64Bytes([0, 11, 2, 3])));
    const ds = await loadDataset(dir);
    assert.equal(ds.name, 'cifar-ish');
    assert.equal(ds.label, 'cifar-ish (6 train, 4 test)');
    assert.equal(ds.source, 'data-dir');
    assert.equal(ds.dir, dir);
    assert.equal(ds.classes, 12); // the largest label, 11 in test, + 1
    assert.deepEqual([ds.train.count, ds.train.channels, ds.train.rows, ds.train.cols], [6, 3, 4, 5]);
    assert.deepEqual([ds.test.count, ds.test.channels], [4, 3]);
    assert.deepEqual(Array.from(ds.train.imagesNxHxW), train.map(Math.fround));
    assert.deepEqual(Array.from(ds.test.imagesNxHxW), test.map(Math.fround));
    assert.deepEqual(Array.from(ds.train.labelsN), labelsOf(6, 0, 5));
    assert.deepEqual(Array.from(ds.test.labelsN), [0, 11, 2, 3]);
  });

  it("uint8 N×H×W images with Keras' names and (N, 1) labels, through a relative './' path", async () => {
    const dir = freshDir('keras');
    write(dir, 'x_train.npy', npy('|u1', [5, 3, 2], pixelsU8(5, 1, 3, 2)));
    write(dir, 'y_train.npy', npy('|u1', [5, 1], Uint8Array.from(labelsOf(5, 1, 10))));
    write(dir, 'x_test.npy', npy('|u1', [2, 3, 2], pixelsU8(2, 1, 3, 2)));
    write(dir, 'y_test.npy', npy('<i4', [2], i32Bytes([9, 4])));
    const rel = relative(process.cwd(), dir);
    const ds = await loadDataset(rel.startsWith('.') ? rel : `./${rel}`);
    assert.equal(ds.name, 'keras');
    assert.equal(ds.classes, 10);
    assert.deepEqual([ds.train.count, ds.train.channels, ds.train.rows, ds.train.cols], [5, 1, 3, 2]);
    // Example 3, row 2, col 1 of train.
    assert.equal(ds.train.imagesNxHxW[(3 * 3 + 2) * 2 + 1], Math.fround(pixel(3, 0, 2, 1) / 255));
    assert.deepEqual(Array.from(ds.test.labelsN), [9, 4]);
  });

  it('an existing directory without a separator in its name is found too', async () => {
    const dir = freshDir('plain');
    write(dir, 'x_train.npy', npy('|u1', [1, 1, 1], Uint8Array.from([7])));
    write(dir, 'y_train.npy', npy('|u1', [1], Uint8Array.from([0])));
    write(dir, 'x_test.npy', npy('|u1', [1, 1, 1], Uint8Array.from([8])));
    write(dir, 'y_test.npy', npy('|u1', [1], Uint8Array.from([1])));
    const cwd = process.cwd();
    process.chdir(join(dir, '..'));
    try {
      const ds = await loadDataset('plain');
      assert.equal(ds.label, 'plain (1 train, 1 test)');
      assert.equal(ds.classes, 2);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('a directory of IDX files', () => {
  it('4-dim unsigned-byte images under the short names, gzip or not', async () => {
    const dir = freshDir('idx4');
    write(dir, 'train-images.idx', idxBytes([4, 2, 3, 3], pixelsU8(4, 2, 3, 3)));
    write(dir, 'train-labels.idx.gz', new Uint8Array(gzipSync(idxBytes([4], [0, 1, 2, 1]))));
    write(dir, 'test-images.idx.gz', new Uint8Array(gzipSync(idxBytes([2, 2, 3, 3], pixelsU8(2, 2, 3, 3)))));
    write(dir, 'test-labels.idx', idxBytes([2], [2, 0]));
    const ds = await loadDataset(dir);
    assert.equal(ds.label, 'idx4 (4 train, 2 test)');
    assert.equal(ds.classes, 3);
    assert.deepEqual([ds.train.count, ds.train.channels, ds.train.rows, ds.train.cols], [4, 2, 3, 3]);
    assert.deepEqual(
      Array.from(ds.train.imagesNxHxW),
      Array.from(pixelsU8(4, 2, 3, 3), (p) => Math.fround(p / 255)),
    );
    assert.deepEqual(Array.from(ds.test.labelsN), [2, 0]);
  });

  it("float images under MNIST's names; labels above 9 are fine for a user's dataset", async () => {
    const dir = freshDir('mnist-names');
    const values = Array.from(pixelsU8(3, 1, 2, 2), (p) => p / 16 - 1);
    write(dir, 'train-images-idx3-ubyte', idxBytes([3, 2, 2], f32Bytes(values, false), 0x0d));
    write(dir, 'train-labels-idx1-ubyte', idxBytes([3], [0, 20, 5]));
    write(
      dir,
      't10k-images-idx3-ubyte.gz',
      new Uint8Array(gzipSync(idxBytes([1, 2, 2], f32Bytes([1, 2, 3, 4], false), 0x0d))),
    );
    write(dir, 't10k-labels-idx1-ubyte.gz', new Uint8Array(gzipSync(idxBytes([1], [3]))));
    const ds = await loadDataDir(dir);
    assert.equal(ds.classes, 21);
    assert.equal(ds.train.channels, 1);
    assert.deepEqual(Array.from(ds.train.imagesNxHxW), values.map(Math.fround));
    assert.deepEqual(Array.from(ds.test.imagesNxHxW), [1, 2, 3, 4]);
  });
});

describe("a user's directory: errors are one line naming what is wrong", () => {
  function npyDir(name: string): string {
    const dir = freshDir(name);
    write(dir, 'train-images.npy', npy('|u1', [3, 2, 2], pixelsU8(3, 1, 2, 2)));
    write(dir, 'train-labels.npy', npy('|u1', [3], Uint8Array.from([0, 1, 2])));
    write(dir, 'test-images.npy', npy('|u1', [2, 2, 2], pixelsU8(2, 1, 2, 2)));
    write(dir, 'test-labels.npy', npy('|u1', [2], Uint8Array.from([1, 0])));
    return dir;
  }

  it('a directory that does not exist', async () => {
    const dir = join(tmp.dir, 'no-such-dir');
    await rejectsData(loadDataset(dir), `data directory ${dir} does not exist`);
  });

  it('an empty directory lists the accepted names', async () => {
    const dir = freshDir('empty');
    await rejectsData(
      loadDataset(dir),
      `data directory ${dir} holds no dataset`,
      'train-images.npy',
      'x_train.npy',
      'train-images.idx',
      't10k-labels-idx1-ubyte',
    );
    assert.equal(DATA_DIR_LAYOUTS.length, 4);
  });

  it('a partial set names the missing files', async () => {
    const dir = npyDir('partial');
    rmSync(join(dir, 'test-labels.npy'));
    await rejectsData(loadDataset(dir), `data directory ${dir} has no test-labels.npy`);
  });

  it('two complete sets are ambiguous', async () => {
    const dir = npyDir('two');
    write(dir, 'x_train.npy', npy('|u1', [1, 2, 2], new Uint8Array(4)));
    write(dir, 'y_train.npy', npy('|u1', [1], new Uint8Array(1)));
    write(dir, 'x_test.npy', npy('|u1', [1, 2, 2], new Uint8Array(4)));
    write(dir, 'y_test.npy', npy('|u1', [1], new Uint8Array(1)));
    await rejectsData(loadDataset(dir), `data directory ${dir} holds two datasets`);
  });

  it('image and label counts that disagree name both files', async () => {
    const dir = npyDir('counts');
    write(dir, 'train-labels.npy', npy('|u1', [4], new Uint8Array(4)));
    await rejectsData(
      loadDataset(dir),
      `${join(dir, 'train-images.npy')} holds 3 images but ${join(dir, 'train-labels.npy')} holds 4 labels`,
    );
  });

  it('train and test images of different shapes', async () => {
    const dir = npyDir('shapes');
    write(dir, 'test-images.npy', npy('|u1', [2, 3, 2, 2], new Uint8Array(24)));
    await rejectsData(
      loadDataset(dir),
      join(dir, 'test-images.npy'),
      'test images are 3x2x2 but train images',
      'are 2x2',
    );
  });

  it('negative labels, Fortran order, big-endian and wrong dtypes name the file', async () => {
    const dir = npyDir('bad');
    const labels = write(dir, 'test-labels.npy', npy('<i4', [2], i32Bytes([1, -1])));
    await rejectsData(loadDataset(dir), `${labels}: label -1 at index 1 is negative`);
    write(dir, 'test-labels.npy', npy('|u1', [2], Uint8Array.from([1, 0])));
    const images = write(dir, 'train-images.npy', npy('>f4', [3, 2, 2], new Uint8Array(48)));
    await rejectsData(loadDataset(dir), `${images}: big-endian data`);
    write(dir, 'train-images.npy', npy('<i8', [3, 2, 2], new Uint8Array(96)));
    await rejectsData(loadDataset(dir), `${images}: images must be uint8 or float32, found int64`);
  });

  it('a name that is neither registered nor a directory is a UsageError that says directories work', async () => {
    await assert.rejects(
      loadDataset('cifar-10-that-does-not-exist'),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message ===
          'unknown dataset "cifar-10-that-does-not-exist": allowed: mnist, fashion-mnist, or a directory of IDX or .npy files',
    );
  });
});

// Tests of the dataset registry and directory resolution on fixture files: data dir, ESGRAD_DATA_DIR
// (flat or per-dataset), labels, and the one-line errors for missing or inconsistent files.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { datasetLabel, getDatasetSpec, listDatasets, loadDataset } from '../../src/data/datasets.ts';
import { UsageError } from '../../src/types.ts';
import {
  FILE_NAMES,
  fixturePixel,
  labelsIdx,
  makeFixture,
  makeTempDir,
  rejectsData,
  writeFixture,
} from './fixtures.ts';

const tmp = makeTempDir();
after(tmp.cleanup);
let dirCount = 0;
function freshDir(): string {
  const dir = join(tmp.dir, `d${dirCount++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** No real environment leaks in: resolution sees only what each test passes. */
const NO_ENV = {};

describe('registry', () => {
  it('lists mnist and fashion-mnist with the standard files and official md5s', () => {
    assert.deepEqual(listDatasets(), ['mnist', 'fashion-mnist']);
    const m = getDatasetSpec('mnist');
    assert.equal(m.files.trainImages.name, 'train-images-idx3-ubyte.gz');
    assert.equal(m.files.trainImages.md5, 'f68b3c2dcbeaaa9fbdd348bbdeb94873');
    assert.equal(m.files.testLabels.md5, 'ec29112dd5afa0611ce80d1b7f02629c');
    assert.equal(m.baseUrls[0], 'https://ossci-datasets.s3.amazonaws.com/mnist/');
    const f = getDatasetSpec('fashion-mnist');
    assert.equal(f.files.trainImages.md5, '8d4fb7e6c68d591d4c3dfef9ec88bf0d');
    assert.equal(f.files.testLabels.md5, 'bb300cfdad3c16e7a12a480ee83cd310');
    assert.deepEqual(f.systemDirs, ['/usr/share/datasets/fashion-mnist']);
  });

  it('an unknown name is a UsageError listing the allowed names', async () => {
    assert.throws(
      () => getDatasetSpec('cifar10'),
      (e: unknown) =>
        e instanceof UsageError && e.message === 'unknown dataset "cifar10": allowed: mnist, fashion-mnist',
    );
    await assert.rejects(loadDataset('MNIST', { env: NO_ENV }), UsageError);
  });

  it('labels say when a split is not the official size', () => {
    const m = getDatasetSpec('mnist'),
      f = getDatasetSpec('fashion-mnist');
    assert.equal(datasetLabel(m, 60000, 10000), 'MNIST');
    assert.equal(datasetLabel(m, 22699, 10000), 'MNIST (22,699 train)');
    assert.equal(datasetLabel(f, 60000, 10000), 'Fashion-MNIST');
    assert.equal(datasetLabel(f, 1000, 10000), 'Fashion-MNIST (1,000 train)');
    assert.equal(datasetLabel(m, 60000, 500), 'MNIST (500 test)');
  });
});

describe('loading from a data directory', () => {
  const fx = makeFixture();

  it('loads gzip files: counts, shapes, pixels/255, labels', async () => {
    const dir = freshDir();
    writeFixture(fx, dir);
    const ds = await loadDataset(fx.spec, { dataDir: dir, env: NO_ENV });
    assert.equal(ds.name, 'fixture');
    assert.equal(ds.label, 'Fixture');
    assert.equal(ds.source, 'data-dir');
    assert.deepEqual([ds.train.count, ds.train.channels, ds.train.rows, ds.train.cols], [12, 1, 4, 3]);
    assert.equal(ds.classes, 10);
    assert.equal(ds.test.count, 5);
    assert.equal(ds.train.imagesNxHxW.length, 12 * 4 * 3);
    assert.equal(ds.train.imagesNxHxW[(7 * 4 + 2) * 3 + 1], Math.fround(fixturePixel(7, 2, 1) / 255));
    assert.deepEqual(Array.from(ds.test.labelsN), [3, 4, 5, 6, 7]);
  });

  it('accepts uncompressed files without the .gz suffix', async () => {
    const dir = freshDir();
    writeFixture(fx, dir, { raw: true });
    const ds = await loadDataset(fx.spec, { dataDir: dir, env: NO_ENV });
    assert.equal(ds.train.count, 12);
  });

  it('does not require official checksums in a data dir, and labels a partial split', async () => {
    const dir = freshDir();
    writeFixture(makeFixture({ trainCount: 7 }), dir);
    const ds = await loadDataset(fx.spec, { dataDir: dir, env: NO_ENV });
    assert.equal(ds.label, 'Fixture (7 train)');
  });

  it('a missing file names the directory and the file', async () => {
    const dir = freshDir();
    writeFixture(fx, dir, { roles: ['trainImages', 'trainLabels', 'testImages'] });
    await rejectsData(
      loadDataset(fx.spec, { dataDir: dir, env: NO_ENV }),
      `data directory ${dir} has no t10k-labels-idx1-ubyte.gz`,
    );
  });

  it('a data dir that does not exist', async () => {
    const dir = join(tmp.dir, 'no-such-dir');
    await rejectsData(
      loadDataset(fx.spec, { dataDir: dir, env: NO_ENV }),
      `data directory ${dir} does not exist`,
    );
  });

  it('image/label counts that disagree name both files', async () => {
    const dir = freshDir();
    writeFixture(fx, dir);
    writeFileSync(join(dir, FILE_NAMES.trainLabels), labelsIdx(11));
    await rejectsData(
      loadDataset(fx.spec, { dataDir: dir, env: NO_ENV }),
      `${join(dir, FILE_NAMES.trainImages)} holds 12 images but ${join(dir, FILE_NAMES.trainLabels)} holds 11 labels`,
    );
  });

  it('train and test images of different sizes', async () => {
    const dir = freshDir();
    writeFixture(fx, dir);
    const other = makeFixture({ rows: 5 });
    writeFixture(other, dir, { roles: ['testImages'] });
    await rejectsData(
      loadDataset(fx.spec, { dataDir: dir, env: NO_ENV }),
      'test images are 5x3 but train images',
    );
  });

  it('a corrupt file in the data dir names that file', async () => {
    const dir = freshDir();
    writeFixture(fx, dir);
    const path = join(dir, FILE_NAMES.testImages);
    writeFileSync(path, fx.gzByRole.testImages.subarray(0, 20));
    await rejectsData(loadDataset(fx.spec, { dataDir: dir, env: NO_ENV }), path, 'corrupt gzip data');
  });
});

describe('ESGRAD_DATA_DIR', () => {
  const fx = makeFixture();

  it('is used when no data dir is given (files directly in it)', async () => {
    const dir = freshDir();
    writeFixture(fx, dir);
    const ds = await loadDataset(fx.spec, { env: { ESGRAD_DATA_DIR: dir } });
    assert.equal(ds.source, 'env');
    assert.equal(ds.dir, dir);
  });

  it('may hold one subdirectory per dataset', async () => {
    const root = freshDir();
    mkdirSync(join(root, 'fixture'));
    writeFixture(fx, join(root, 'fixture'));
    const ds = await loadDataset(fx.spec, { env: { ESGRAD_DATA_DIR: root } });
    assert.equal(ds.dir, join(root, 'fixture'));
  });

  it('an explicit data dir wins over the environment', async () => {
    const a = freshDir(),
      b = freshDir();
    writeFixture(fx, a);
    writeFixture(makeFixture({ trainCount: 3 }), b);
    const ds = await loadDataset(fx.spec, { dataDir: b, env: { ESGRAD_DATA_DIR: a } });
    assert.equal(ds.train.count, 3);
  });

  it('a directory that does not exist, or holds only some of the files, is an error', async () => {
    const missing = join(tmp.dir, 'absent');
    await rejectsData(
      loadDataset(fx.spec, { env: { ESGRAD_DATA_DIR: missing } }),
      `ESGRAD_DATA_DIR=${missing}`,
      'does not exist',
    );
    const dir = freshDir();
    writeFixture(fx, dir, { roles: ['trainImages'] });
    await rejectsData(
      loadDataset(fx.spec, { env: { ESGRAD_DATA_DIR: dir } }),
      dir,
      'train-labels-idx1-ubyte.gz',
    );
  });
});

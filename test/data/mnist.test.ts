// Tests on the real data: MNIST from ESGRAD_DATA_DIR (default ../shared/data/mnist next to the repo),
// and Debian's Fashion-MNIST (installed by `npm test`'s pretest; content checked against raw md5s).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getDatasetSpec, loadDataset, locateDataset } from '../../src/data/datasets.ts';
import { dataFingerprint } from '../../src/data/fingerprint.ts';
import { DataError, readIdxBytes } from '../../src/data/idx.ts';
import { FILE_ROLES } from '../../src/data/types.ts';

import { MNIST_DIR as mnistDir } from '../helpers/data-dir.ts';

const debianDir = '/usr/share/datasets/fashion-mnist';

describe('real MNIST', () => {
  it('loads 22,699 train / 10,000 test 28x28 images in [0, 1], labelled "MNIST (22,699 train)"', async () => {
    const ds = await loadDataset('mnist', { env: { ESGRAD_DATA_DIR: mnistDir } });
    assert.equal(ds.source, 'env');
    assert.equal(ds.train.count, 22699);
    assert.equal(ds.test.count, 10000);
    assert.equal(ds.label, 'MNIST (22,699 train)');
    for (const split of [ds.train, ds.test]) {
      assert.equal(split.rows, 28);
      assert.equal(split.cols, 28);
      assert.equal(split.imagesNxHxW.length, split.count * 784);
      assert.equal(split.labelsN.length, split.count);
      let min = Infinity,
        max = -Infinity;
      for (const v of split.imagesNxHxW) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      assert.equal(min, 0);
      assert.equal(max, 1);
      const perClass = new Array<number>(10).fill(0);
      for (const l of split.labelsN) perClass[l] = perClass[l]! + 1;
      for (const c of perClass) assert.ok(c > split.count / 20, `class counts ${perClass.join(',')}`);
    }
    // Well-known first labels of MNIST: train starts 5 0 4 1 9, test starts 7 2 1 0 4.
    assert.deepEqual(Array.from(ds.train.labelsN.subarray(0, 5)), [5, 0, 4, 1, 9]);
    assert.deepEqual(Array.from(ds.test.labelsN.subarray(0, 5)), [7, 2, 1, 0, 4]);
  });

  it("loads as a user's directory too: the same data, labelled by the directory's name", async () => {
    const registered = await loadDataset('mnist', { dataDir: mnistDir, env: {} });
    const dir = await loadDataset(mnistDir);
    assert.equal(dir.source, 'data-dir');
    assert.equal(dir.classes, 10);
    assert.equal(registered.classes, 10);
    assert.equal(dir.train.channels, 1);
    assert.match(dir.label, /^\S+ \(22,699 train, 10,000 test\)$/);
    assert.equal(dataFingerprint(dir.train), dataFingerprint(registered.train));
    assert.equal(dataFingerprint(dir.test), dataFingerprint(registered.test));
  });

  it('refuses to load the MNIST directory as Fashion-MNIST', async () => {
    await assert.rejects(
      loadDataset('fashion-mnist', { dataDir: mnistDir, env: {} }),
      (e: unknown) =>
        e instanceof DataError && e.message.includes('holds MNIST (by its test labels), not Fashion-MNIST'),
    );
  });
});

describe('Debian Fashion-MNIST', () => {
  it('is installed (apt-get install -y dataset-fashion-mnist)', () => {
    assert.ok(existsSync(join(debianDir, 't10k-labels-idx1-ubyte.gz')), `${debianDir} is missing`);
  });

  it('an ESGRAD_DATA_DIR holding MNIST is skipped for fashion-mnist, which resolves to the Debian dir', async () => {
    const messages: string[] = [];
    const located = await locateDataset(getDatasetSpec('fashion-mnist'), {
      env: { ESGRAD_DATA_DIR: mnistDir },
      onProgress: (m) => messages.push(m),
    });
    assert.equal(located.source, 'system');
    assert.equal(located.dir, debianDir);
    assert.ok(
      messages.some((m) => m.includes('holds MNIST, not Fashion-MNIST')),
      messages.join(' | '),
    );
  });

  it('holds the official content (decompressed md5s match the registry)', async () => {
    const spec = getDatasetSpec('fashion-mnist');
    for (const role of FILE_ROLES) {
      const file = spec.files[role];
      const bytes = await readIdxBytes(join(debianDir, file.name));
      assert.equal(createHash('md5').update(bytes).digest('hex'), file.rawMd5, file.name);
    }
  });
});

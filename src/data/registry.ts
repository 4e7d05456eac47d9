// The known datasets (MNIST, Fashion-MNIST): their four standard file names, official checksums,
// download mirrors and system install locations. Pure data plus lookup.

import { UsageError } from '../types.ts';
import type { DatasetSpec } from './types.ts';

const MNIST: DatasetSpec = {
  name: 'mnist',
  title: 'MNIST',
  trainCount: 60000,
  testCount: 10000,
  classes: 10,
  files: {
    trainImages: {
      name: 'train-images-idx3-ubyte.gz',
      md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
      rawMd5: '6bbc9ace898e44ae57da46a324031adb',
    },
    trainLabels: {
      name: 'train-labels-idx1-ubyte.gz',
      md5: 'd53e105ee54ea40749a09fcbcd1e9432',
      rawMd5: 'a25bea736e30d166cdddb491f175f624',
    },
    testImages: {
      name: 't10k-images-idx3-ubyte.gz',
      md5: '9fb629c4189551a2d022fa330f9573f3',
      rawMd5: '2646ac647ad5339dbf082846283269ea',
    },
    testLabels: {
      name: 't10k-labels-idx1-ubyte.gz',
      md5: 'ec29112dd5afa0611ce80d1b7f02629c',
      rawMd5: '27ae3e4e09519cfbb04c329615203637',
    },
  },
  baseUrls: [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
  ],
  systemDirs: [],
};

// Debian's dataset-fashion-mnist holds the official content re-gzipped without the original file name
// (each .gz is 23-24 bytes shorter), so its .gz md5s differ from these while rawMd5 matches.
const FASHION_MNIST: DatasetSpec = {
  name: 'fashion-mnist',
  title: 'Fashion-MNIST',
  trainCount: 60000,
  testCount: 10000,
  classes: 10,
  files: {
    trainImages: {
      name: 'train-images-idx3-ubyte.gz',
      md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      rawMd5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
    },
    trainLabels: {
      name: 'train-labels-idx1-ubyte.gz',
      md5: '25c81989df183df01b3e8a0aad5dffbe',
      rawMd5: '9018921c3c673c538a1fc5bad174d6f9',
    },
    testImages: {
      name: 't10k-images-idx3-ubyte.gz',
      md5: 'bef4ecab320f06d8554ea6380940ec79',
      rawMd5: '8181f5470baa50b63fa0f6fddb340f0a',
    },
    testLabels: {
      name: 't10k-labels-idx1-ubyte.gz',
      md5: 'bb300cfdad3c16e7a12a480ee83cd310',
      rawMd5: '15d484375f8d13e6eb1aabb0c3f46965',
    },
  },
  baseUrls: [
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
  ],
  systemDirs: ['/usr/share/datasets/fashion-mnist'],
};

const REGISTRY: ReadonlyMap<string, DatasetSpec> = new Map([MNIST, FASHION_MNIST].map((s) => [s.name, s]));

/** Names accepted by loadDataset, e.g. ["mnist", "fashion-mnist"]. */
export function listDatasets(): string[] {
  return [...REGISTRY.keys()];
}

/** The registry entry for a dataset name; an unknown name is a UsageError listing the allowed ones. */
export function getDatasetSpec(name: string): DatasetSpec {
  const spec = REGISTRY.get(name);
  if (spec === undefined) {
    throw new UsageError(`unknown dataset "${name}": allowed: ${listDatasets().join(', ')}`);
  }
  return spec;
}

/** All registered specs (for identifying which dataset a directory holds). */
export function registeredSpecs(): readonly DatasetSpec[] {
  return [...REGISTRY.values()];
}

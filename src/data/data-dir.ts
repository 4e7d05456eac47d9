// A user's dataset in a directory: four .npy files (train-images.npy, ... or Keras' x_train.npy, ...)
// or four IDX files (train-images.idx, ... or MNIST's names, each raw or gzip), read into a Dataset.

import { basename, join, resolve } from 'node:path';
import { DataError, formatCount } from './errors.ts';
import { isDir, isFile, readFileBytes } from './files.ts';
import { parseImages, parseLabels, readIdxBytes } from './idx.ts';
import { npyImages, npyLabels, parseNpy } from './npy.ts';
import { checkSameImageSize, classCount, makeSplit } from './split.ts';
import type { Dataset, FileRole, Split } from './types.ts';
import { FILE_ROLES } from './types.ts';

export type DataDirFormat = 'npy' | 'idx';

/** One accepted set of four file names; IDX files may also carry a ".gz" suffix. */
export interface DataDirLayout {
  readonly format: DataDirFormat;
  readonly names: Readonly<Record<FileRole, string>>;
}

/** The file names a data directory may use, one set per line; exactly one set must be complete. */
export const DATA_DIR_LAYOUTS: readonly DataDirLayout[] = [
  {
    format: 'npy',
    names: {
      trainImages: 'train-images.npy',
      trainLabels: 'train-labels.npy',
      testImages: 'test-images.npy',
      testLabels: 'test-labels.npy',
    },
  },
  {
    format: 'npy',
    names: {
      trainImages: 'x_train.npy',
      trainLabels: 'y_train.npy',
      testImages: 'x_test.npy',
      testLabels: 'y_test.npy',
    },
  },
  {
    format: 'idx',
    names: {
      trainImages: 'train-images.idx',
      trainLabels: 'train-labels.idx',
      testImages: 'test-images.idx',
      testLabels: 'test-labels.idx',
    },
  },
  {
    format: 'idx',
    names: {
      trainImages: 'train-images-idx3-ubyte',
      trainLabels: 'train-labels-idx1-ubyte',
      testImages: 't10k-images-idx3-ubyte',
      testLabels: 't10k-labels-idx1-ubyte',
    },
  },
];

/** Where a data directory's four files are, and their format. */
export interface LocatedDataDir {
  readonly dir: string;
  readonly format: DataDirFormat;
  readonly paths: Readonly<Record<FileRole, string>>;
}

function candidates(layout: DataDirLayout, role: FileRole): string[] {
  const name = layout.names[role];
  return layout.format === 'idx' ? [name, `${name}.gz`] : [name];
}

function describe(layout: DataDirLayout): string {
  const gz = layout.format === 'idx' ? ' (each may end in .gz)' : '';
  return `${FILE_ROLES.map((r) => layout.names[r]).join(', ')}${gz}`;
}

/** Finds the one complete set of files in dir; a missing dir, no set, a partial set or two sets is a DataError. */
export async function locateDataDir(dirPath: string): Promise<LocatedDataDir> {
  const dir = resolve(dirPath);
  if (!(await isDir(dir))) throw new DataError(`data directory ${dir} does not exist`);
  const found: { layout: DataDirLayout; paths: Partial<Record<FileRole, string>>; missing: FileRole[] }[] =
    [];
  for (const layout of DATA_DIR_LAYOUTS) {
    const paths: Partial<Record<FileRole, string>> = {};
    const missing: FileRole[] = [];
    for (const role of FILE_ROLES) {
      let path: string | undefined;
      for (const name of candidates(layout, role)) {
        if (path === undefined && (await isFile(join(dir, name)))) path = join(dir, name);
      }
      if (path === undefined) missing.push(role);
      else paths[role] = path;
    }
    found.push({ layout, paths, missing });
  }
  const complete = found.filter((f) => f.missing.length === 0);
  if (complete.length > 1) {
    const sets = complete.map((f) => describe(f.layout)).join('; and ');
    throw new DataError(`data directory ${dir} holds two datasets (${sets}): keep one set of files`);
  }
  const [only] = complete;
  if (only !== undefined) {
    return { dir, format: only.layout.format, paths: only.paths as Record<FileRole, string> };
  }
  const partial = found.filter((f) => f.missing.length < FILE_ROLES.length);
  partial.sort((a, b) => a.missing.length - b.missing.length);
  const [best] = partial;
  if (best !== undefined) {
    const names = best.missing.map((r) => best.layout.names[r]).join(', ');
    throw new DataError(
      `data directory ${dir} has no ${names} (a dataset needs all four of ${describe(best.layout)})`,
    );
  }
  const expected = DATA_DIR_LAYOUTS.map(describe).join('; or ');
  throw new DataError(`data directory ${dir} holds no dataset: expected ${expected}`);
}

async function readSplit(format: DataDirFormat, imagesPath: string, labelsPath: string): Promise<Split> {
  if (format === 'idx') {
    const [imageBytes, labelBytes] = await Promise.all([readIdxBytes(imagesPath), readIdxBytes(labelsPath)]);
    return makeSplit(
      parseImages(imageBytes, imagesPath),
      parseLabels(labelBytes, labelsPath),
      imagesPath,
      labelsPath,
    );
  }
  const [imageBytes, labelBytes] = await Promise.all([readFileBytes(imagesPath), readFileBytes(labelsPath)]);
  const images = npyImages(parseNpy(imageBytes, imagesPath), imagesPath);
  const labelsN = npyLabels(parseNpy(labelBytes, labelsPath), labelsPath);
  return makeSplit(images, labelsN, imagesPath, labelsPath);
}

/** "name (60,000 train, 10,000 test)": a user's dataset label. */
export function userDatasetLabel(name: string, trainCount: number, testCount: number): string {
  return `${name} (${formatCount(trainCount)} train, ${formatCount(testCount)} test)`;
}

/** A user's dataset from its two splits: the label and the classes derived from them. */
export function userDataset(
  name: string,
  train: Split,
  test: Split,
  where: Pick<Dataset, 'dir' | 'source'>,
): Dataset {
  const label = userDatasetLabel(name, train.count, test.count);
  return { name, label, train, test, classes: classCount(train, test), ...where };
}

/**
 * Loads a user's dataset from a directory (see DATA_DIR_LAYOUTS): counts and shapes come from the file
 * headers; name is the directory's base name, classes 1 + the largest label, source 'data-dir'.
 */
export async function loadDataDir(
  dirPath: string,
  opts: { readonly onProgress?: (msg: string) => void } = {},
): Promise<Dataset> {
  const { dir, format, paths } = await locateDataDir(dirPath);
  const name = basename(dir);
  opts.onProgress?.(`${name}: reading ${format === 'npy' ? '.npy' : 'IDX'} files in ${dir}`);
  const train = await readSplit(format, paths.trainImages, paths.trainLabels);
  const test = await readSplit(format, paths.testImages, paths.testLabels);
  checkSameImageSize(train, paths.trainImages, test, paths.testImages);
  return userDataset(name, train, test, { dir, source: 'data-dir' });
}

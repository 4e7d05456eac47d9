// Locating, downloading and loading a dataset: an explicit data dir, else ESGRAD_DATA_DIR, else a
// system install (Debian's fashion-mnist), else the cache dir, where missing files are downloaded.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { downloadFile } from './download.ts';
import {
  checkSameCount,
  DataError,
  formatCount,
  parseImages,
  parseLabels,
  readIdxBytes,
  toUnitFloat,
} from './idx.ts';
import { getDatasetSpec, registeredSpecs } from './registry.ts';
import type { DataSource, Dataset, DatasetSpec, FileRole, Split } from './types.ts';
import { FILE_ROLES } from './types.ts';

export { getDatasetSpec, listDatasets } from './registry.ts';

export interface LoadDatasetOptions {
  /** Directory holding the four files (checked to parse, not against official checksums). */
  readonly dataDir?: string;
  /** Root of the download cache (default ESGRAD_CACHE_DIR, else $XDG_CACHE_HOME/esgrad or ~/.cache/esgrad). */
  readonly cacheDir?: string;
  /** Download mirrors replacing the registry's. */
  readonly baseUrls?: readonly string[];
  readonly onProgress?: (msg: string) => void;
  /** Environment read for ESGRAD_DATA_DIR, ESGRAD_CACHE_DIR, XDG_CACHE_HOME (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Where a dataset's four files are. */
export interface LocatedDataset {
  readonly dir: string;
  readonly source: DataSource;
  readonly paths: Readonly<Record<FileRole, string>>;
}

/** "MNIST" for the official split sizes, else e.g. "MNIST (22,699 train)". */
export function datasetLabel(spec: DatasetSpec, trainCount: number, testCount: number): string {
  const parts: string[] = [];
  if (trainCount !== spec.trainCount) parts.push(`${formatCount(trainCount)} train`);
  if (testCount !== spec.testCount) parts.push(`${formatCount(testCount)} test`);
  return parts.length === 0 ? spec.title : `${spec.title} (${parts.join(', ')})`;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

interface FoundFiles {
  readonly paths: Partial<Record<FileRole, string>>;
  readonly missing: readonly FileRole[];
}

/** Looks for each file in dir, under its standard name or the same name without ".gz". */
async function findFiles(dir: string, spec: DatasetSpec): Promise<FoundFiles> {
  const paths: Partial<Record<FileRole, string>> = {};
  const missing: FileRole[] = [];
  for (const role of FILE_ROLES) {
    const name = spec.files[role].name;
    const candidates = [name, name.replace(/\.gz$/, '')];
    let found: string | undefined;
    for (const c of candidates) {
      if (found === undefined && (await isFile(join(dir, c)))) found = join(dir, c);
    }
    if (found === undefined) missing.push(role);
    else paths[role] = found;
  }
  return { paths, missing };
}

function complete(found: FoundFiles): Record<FileRole, string> | undefined {
  const { trainImages, trainLabels, testImages, testLabels } = found.paths;
  if (trainImages === undefined || trainLabels === undefined) return undefined;
  if (testImages === undefined || testLabels === undefined) return undefined;
  return { trainImages, trainLabels, testImages, testLabels };
}

function missingError(dir: string, spec: DatasetSpec, found: FoundFiles, what: string): DataError {
  const names = found.missing.map((r) => spec.files[r].name).join(', ');
  return new DataError(`${what} ${dir} has no ${names} (${spec.title} needs all four IDX files)`);
}

/** Which registered dataset a test-labels file belongs to (by content md5), if any. */
async function identify(testLabelsPath: string): Promise<DatasetSpec | undefined> {
  const bytes = await readIdxBytes(testLabelsPath);
  const md5 = createHash('md5').update(bytes).digest('hex');
  return registeredSpecs().find((s) => s.files.testLabels.rawMd5 === md5);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** Resolves where a dataset's files are (downloading into the cache if needed), without parsing them. */
export async function locateDataset(
  spec: DatasetSpec,
  opts: LoadDatasetOptions = {},
): Promise<LocatedDataset> {
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? (() => {});

  if (opts.dataDir !== undefined) {
    const dir = resolve(opts.dataDir);
    if (!(await isDir(dir))) throw new DataError(`data directory ${dir} does not exist`);
    const found = await findFiles(dir, spec);
    const paths = complete(found);
    if (paths === undefined) throw missingError(dir, spec, found, 'data directory');
    const other = await identify(paths.testLabels);
    if (other !== undefined && other.name !== spec.name) {
      throw new DataError(
        `data directory ${dir} holds ${other.title} (by its test labels), not ${spec.title}`,
      );
    }
    return { dir, source: 'data-dir', paths };
  }

  const envDir = nonEmpty(env.ESGRAD_DATA_DIR);
  if (envDir !== undefined) {
    const root = resolve(envDir);
    if (!(await isDir(root))) throw new DataError(`ESGRAD_DATA_DIR=${envDir}: directory does not exist`);
    // Either per-dataset subdirectories (<root>/<name>/) or the files directly in <root>.
    for (const dir of [join(root, spec.name), root]) {
      if (!(await isDir(dir))) continue;
      const found = await findFiles(dir, spec);
      const paths = complete(found);
      if (paths === undefined) {
        if (found.missing.length < FILE_ROLES.length)
          throw missingError(dir, spec, found, 'ESGRAD_DATA_DIR directory');
        continue;
      }
      const other = await identify(paths.testLabels);
      if (other === undefined || other.name === spec.name) return { dir, source: 'env', paths };
      progress(`${dir} holds ${other.title}, not ${spec.title}: looking elsewhere`);
    }
  }

  for (const dir of spec.systemDirs) {
    const paths = complete(await findFiles(dir, spec));
    if (paths !== undefined) return { dir, source: 'system', paths };
  }

  const cacheRoot =
    opts.cacheDir ??
    nonEmpty(env.ESGRAD_CACHE_DIR) ??
    join(nonEmpty(env.XDG_CACHE_HOME) ?? join(homedir(), '.cache'), 'esgrad');
  const dir = resolve(cacheRoot, spec.name);
  const found = await findFiles(dir, spec);
  const paths = { ...found.paths };
  const baseUrls = opts.baseUrls ?? spec.baseUrls;
  for (const role of found.missing) {
    paths[role] = await downloadFile(spec.files[role], dir, { baseUrls, onProgress: progress });
  }
  const all = complete({ paths, missing: [] });
  if (all === undefined) throw new DataError(`${dir}: files still missing after download`);
  return { dir, source: 'cache', paths: all };
}

async function readSplit(imagesPath: string, labelsPath: string): Promise<Split> {
  const [imageBytes, labelBytes] = await Promise.all([readIdxBytes(imagesPath), readIdxBytes(labelsPath)]);
  const images = parseImages(imageBytes, imagesPath);
  const labelsN = parseLabels(labelBytes, labelsPath);
  checkSameCount(images.count, imagesPath, labelsN.length, labelsPath);
  if (images.count === 0) throw new DataError(`${imagesPath}: holds no images`);
  return {
    imagesNxHxW: toUnitFloat(images.imagesNxHxW),
    labelsN,
    count: images.count,
    rows: images.rows,
    cols: images.cols,
  };
}

/** Parses the four files of a located dataset into float32 splits. */
export async function readDataset(spec: DatasetSpec, located: LocatedDataset): Promise<Dataset> {
  const { paths } = located;
  const train = await readSplit(paths.trainImages, paths.trainLabels);
  const test = await readSplit(paths.testImages, paths.testLabels);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      `${paths.testImages}: test images are ${test.rows}x${test.cols} but train images (${paths.trainImages}) are ${train.rows}x${train.cols}`,
    );
  }
  return {
    name: spec.name,
    label: datasetLabel(spec, train.count, test.count),
    train,
    test,
    dir: located.dir,
    source: located.source,
  };
}

/**
 * Loads a dataset by registry name (or an explicit spec, e.g. for tests): resolution order is
 * opts.dataDir, env ESGRAD_DATA_DIR, the spec's system dirs, then the cache (downloading what is missing).
 */
export async function loadDataset(
  nameOrSpec: string | DatasetSpec,
  opts: LoadDatasetOptions = {},
): Promise<Dataset> {
  const spec = typeof nameOrSpec === 'string' ? getDatasetSpec(nameOrSpec) : nameOrSpec;
  const located = await locateDataset(spec, opts);
  (opts.onProgress ?? (() => {}))(`${spec.name}: reading ${located.dir} (${located.source})`);
  return readDataset(spec, located);
}

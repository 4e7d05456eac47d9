// Loading a dataset: a registered name is located (an explicit data dir, ESGRAD_DATA_DIR, a system
// install, else the download cache) and read; any other path is a user's directory (data-dir.ts).

import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { UsageError } from '../types.ts';
import { loadDataDir } from './data-dir.ts';
import { downloadFile } from './download.ts';
import { DataError, formatCount } from './errors.ts';
import { isDir, isFile } from './files.ts';
import { parseImages, parseLabels, readIdxBytes } from './idx.ts';
import { getDatasetSpec, listDatasets, registeredSpecs } from './registry.ts';
import { checkSameImageSize, makeSplit } from './split.ts';
import type { DataSource, Dataset, DatasetSpec, FileRole, Split } from './types.ts';
import { FILE_ROLES } from './types.ts';

export { getDatasetSpec, listDatasets } from './registry.ts';

/** Options for a registered dataset (a user's directory is read as it is: only onProgress applies). */
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

async function readSplit(imagesPath: string, labelsPath: string, numClasses: number): Promise<Split> {
  const [imageBytes, labelBytes] = await Promise.all([readIdxBytes(imagesPath), readIdxBytes(labelsPath)]);
  const images = parseImages(imageBytes, imagesPath);
  const labelsN = parseLabels(labelBytes, labelsPath, numClasses);
  return makeSplit(images, labelsN, imagesPath, labelsPath);
}

/** Parses the four files of a located dataset into float32 splits. */
export async function readDataset(spec: DatasetSpec, located: LocatedDataset): Promise<Dataset> {
  const { paths } = located;
  const train = await readSplit(paths.trainImages, paths.trainLabels, spec.classes);
  const test = await readSplit(paths.testImages, paths.testLabels, spec.classes);
  checkSameImageSize(train, paths.trainImages, test, paths.testImages);
  return {
    name: spec.name,
    label: datasetLabel(spec, train.count, test.count),
    train,
    test,
    classes: spec.classes,
    dir: located.dir,
    source: located.source,
  };
}

/** Whether a dataset argument is meant as a path: it has a path separator or starts with '.'. */
function looksLikePath(arg: string): boolean {
  return arg.includes('/') || arg.includes(sep) || arg.startsWith('.');
}

/**
 * Loads a dataset. A registered name (or an explicit spec, e.g. for tests) resolves through opts.dataDir,
 * env ESGRAD_DATA_DIR, the spec's system dirs, then the cache (downloading what is missing). Any other
 * string that is an existing directory, has a path separator or starts with '.' is a user's directory
 * of IDX or .npy files (see loadDataDir); anything else is an unknown dataset (a UsageError).
 */
export async function loadDataset(
  nameOrSpec: string | DatasetSpec,
  opts: LoadDatasetOptions = {},
): Promise<Dataset> {
  const progress = opts.onProgress ?? (() => {});
  if (typeof nameOrSpec === 'string' && !listDatasets().includes(nameOrSpec)) {
    if (looksLikePath(nameOrSpec) || (await isDir(nameOrSpec))) {
      return loadDataDir(nameOrSpec, { onProgress: progress });
    }
    throw new UsageError(
      `unknown dataset "${nameOrSpec}": allowed: ${listDatasets().join(', ')}, or a directory of IDX or .npy files`,
    );
  }
  const spec = typeof nameOrSpec === 'string' ? getDatasetSpec(nameOrSpec) : nameOrSpec;
  const located = await locateDataset(spec, opts);
  progress(`${spec.name}: reading ${located.dir} (${located.source})`);
  return readDataset(spec, located);
}

// Public surface of the data layer: IDX and .npy reading, the dataset registry and loaders (registered
// names, a user's directory, arrays in memory), fingerprints, batch samplers. Import from here.

export type { ArraySplit, DatasetArrays } from './arrays.ts';
export { datasetFromArrays } from './arrays.ts';
export type { DataDirFormat, DataDirLayout, LocatedDataDir } from './data-dir.ts';
export { DATA_DIR_LAYOUTS, loadDataDir, locateDataDir, userDatasetLabel } from './data-dir.ts';
export type { LoadDatasetOptions, LocatedDataset } from './datasets.ts';
export { datasetLabel, loadDataset, locateDataset, readDataset } from './datasets.ts';
export type { DownloadOptions } from './download.ts';
export { downloadFile, fileUrl } from './download.ts';
export { DataError, formatCount } from './errors.ts';
export { dataFingerprint } from './fingerprint.ts';
export type { IdxTensor } from './idx.ts';
export { decodeIdxBytes, isGzip, parseIdx, parseImages, parseLabels, readIdxBytes } from './idx.ts';
export type { NpyArray } from './npy.ts';
export { npyImages, npyLabels, parseNpy } from './npy.ts';
export { getDatasetSpec, listDatasets } from './registry.ts';
export {
  batchIndices,
  epochPermutation,
  exampleSize,
  gatherBatch,
  gatherBatchInto,
  subsetIndices,
} from './sampler.ts';
export type { ImageStack } from './split.ts';
export { checkSameCount, classCount, toUnitFloat } from './split.ts';
export type { DataSource, Dataset, DatasetFile, DatasetSpec, FileRole, Split } from './types.ts';
export { FILE_ROLES } from './types.ts';

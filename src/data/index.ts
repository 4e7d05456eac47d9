// Public surface of the data layer: IDX reading, the dataset registry and loader, batch samplers.
// Import from here rather than from the individual files.

export type { LoadDatasetOptions, LocatedDataset } from './datasets.ts';
export { datasetLabel, loadDataset, locateDataset, readDataset } from './datasets.ts';
export type { DownloadOptions } from './download.ts';
export { downloadFile, fileUrl } from './download.ts';
export type { IdxTensor, ImagesU8 } from './idx.ts';
export {
  checkSameCount,
  DataError,
  decodeIdxBytes,
  formatCount,
  isGzip,
  parseIdx,
  parseImages,
  parseLabels,
  readIdxBytes,
  toUnitFloat,
} from './idx.ts';
export { getDatasetSpec, listDatasets } from './registry.ts';
export { batchIndices, epochPermutation, gatherBatch, gatherBatchInto, subsetIndices } from './sampler.ts';
export type { DataSource, Dataset, DatasetFile, DatasetSpec, FileRole, Split } from './types.ts';
export { FILE_ROLES } from './types.ts';

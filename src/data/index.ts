// Public surface of the data layer: IDX reading, the dataset registry and loader, batch samplers.
// Import from here rather than from the individual files.

export type { Dataset, DatasetFile, DatasetSpec, DataSource, FileRole, Split } from './types.ts';
export { FILE_ROLES } from './types.ts';
export {
  DataError, checkSameCount, decodeIdxBytes, formatCount, isGzip, parseIdx, parseImages, parseLabels,
  readIdxBytes, toUnitFloat,
} from './idx.ts';
export type { IdxTensor, ImagesU8 } from './idx.ts';
export { getDatasetSpec, listDatasets } from './registry.ts';
export { datasetLabel, loadDataset, locateDataset, readDataset } from './datasets.ts';
export type { LoadDatasetOptions, LocatedDataset } from './datasets.ts';
export { downloadFile, fileUrl } from './download.ts';
export type { DownloadOptions } from './download.ts';
export { batchIndices, epochPermutation, gatherBatch, gatherBatchInto, subsetIndices } from './sampler.ts';

// Types of the data layer: a split of labelled images, a dataset (train + test), and the registry
// entry that says where a dataset's four IDX files come from and what their checksums are.

/**
 * One split: N images of channels x rows x cols float32 pixels, row-major [N, C, H, W] (the name
 * imagesNxHxW is historical: it holds N·C·H·W values; C = 1 for grey images), and N integer labels >= 0.
 * Pixels read from uint8 data are in [0, 1] (pixel / 255); float data is kept as given.
 */
export interface Split {
  /** Row-major [count, channels, rows, cols]. */
  readonly imagesNxHxW: Float32Array;
  readonly labelsN: Int32Array;
  readonly count: number;
  readonly channels: number;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Where a dataset came from: a registered dataset's data dir, ESGRAD_DATA_DIR, a system install or the
 * download cache; a user's directory passed as the dataset ('data-dir' too); arrays in memory ('memory').
 */
export type DataSource = 'data-dir' | 'env' | 'system' | 'cache' | 'memory';

export interface Dataset {
  /** Registry name, e.g. "mnist"; for a user's directory its base name; for arrays the name given. */
  readonly name: string;
  /**
   * Human description for results: "MNIST", or "MNIST (22,699 train)" for a partial train split; for a
   * user's dataset "<name> (N train, M test)".
   */
  readonly label: string;
  readonly train: Split;
  readonly test: Split;
  /** Number of classes: 10 for the registered datasets, else 1 + the largest label of train and test. */
  readonly classes: number;
  /** The directory the four files were read from ('' for arrays in memory), and how it was chosen. */
  readonly dir: string;
  readonly source: DataSource;
}

/** The four files of an MNIST-style dataset. */
export const FILE_ROLES = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
export type FileRole = (typeof FILE_ROLES)[number];

export interface DatasetFile {
  /** Standard file name, e.g. "train-images-idx3-ubyte.gz". */
  readonly name: string;
  /** md5 of the official (gzip) file, checked on download. */
  readonly md5: string;
  /** md5 of the decompressed content (same for any re-compression of the official file). */
  readonly rawMd5?: string;
}

export interface DatasetSpec {
  readonly name: string;
  /** Human name used in labels, e.g. "Fashion-MNIST". */
  readonly title: string;
  /** Sizes of the official splits; a dataset read with other sizes says so in its label. */
  readonly trainCount: number;
  readonly testCount: number;
  /** Number of classes; every label must be below it. */
  readonly classes: number;
  readonly files: Readonly<Record<FileRole, DatasetFile>>;
  /** Download mirrors, tried in order; a file's URL is base + file name. */
  readonly baseUrls: readonly string[];
  /** System-wide install locations (e.g. a Debian package), used before the cache when present. */
  readonly systemDirs: readonly string[];
}

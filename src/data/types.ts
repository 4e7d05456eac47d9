// Types of the data layer: a split of labelled images, a dataset (train + test), and the registry
// entry that says where a dataset's four IDX files come from and what their checksums are.

/** One split: N images of rows x cols pixels in [0, 1], row-major [N, rows, cols], labels 0..9. */
export interface Split {
  readonly imagesNxHxW: Float32Array;
  readonly labelsN: Int32Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
}

/** Where a dataset's files were found. */
export type DataSource = 'data-dir' | 'env' | 'system' | 'cache';

export interface Dataset {
  /** Registry name, e.g. "mnist". */
  readonly name: string;
  /** Human description for results: "MNIST", or "MNIST (22,699 train)" for a partial train split. */
  readonly label: string;
  readonly train: Split;
  readonly test: Split;
  /** The directory the four files were read from, and how it was chosen. */
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
  readonly files: Readonly<Record<FileRole, DatasetFile>>;
  /** Download mirrors, tried in order; a file's URL is base + file name. */
  readonly baseUrls: readonly string[];
  /** System-wide install locations (e.g. a Debian package), used before the cache when present. */
  readonly systemDirs: readonly string[];
}

// Test helpers for the data layer: tiny IDX files built in memory, written to temp directories, and
// registry entries (DatasetSpec) whose checksums are those of the fixtures.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/data/idx.ts';
import type { DatasetSpec, FileRole } from '../../src/data/types.ts';
import { FILE_ROLES } from '../../src/data/types.ts';

/** IDX bytes: magic 00 00 dtype ndims, big-endian uint32 dims, then data. */
export function idxBytes(dims: readonly number[], data: ArrayLike<number>, dtype = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = dtype;
  header[3] = dims.length;
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(Array.from(data), header.length);
  return out;
}

/** Pixel value of image i at (r, c) in the fixtures: distinct per image so gathers can be checked. */
export function fixturePixel(i: number, r: number, c: number): number {
  return (i * 7 + r * 3 + c) % 256;
}

export function imagesIdx(count: number, rows: number, cols: number): Uint8Array {
  const data = new Uint8Array(count * rows * cols);
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) data[(i * rows + r) * cols + c] = fixturePixel(i, r, c);
  }
  return idxBytes([count, rows, cols], data);
}

export function labelsIdx(count: number, offset = 0): Uint8Array {
  return idxBytes(
    [count],
    Array.from({ length: count }, (_, i) => (i + offset) % 10),
  );
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

export function makeTempDir(prefix = 'esgrad-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const FILE_NAMES: Readonly<Record<FileRole, string>> = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};

export interface Fixture {
  /** The gzip file contents by role (what a server would serve). */
  readonly gzByRole: Readonly<Record<FileRole, Uint8Array>>;
  readonly rawByRole: Readonly<Record<FileRole, Uint8Array>>;
  readonly spec: DatasetSpec;
}

/** A small dataset (trainCount + testCount images of rows x cols) and a spec carrying its md5s. */
export function makeFixture(
  opts: { trainCount?: number; testCount?: number; rows?: number; cols?: number; baseUrls?: string[] } = {},
): Fixture {
  const { trainCount = 12, testCount = 5, rows = 4, cols = 3 } = opts;
  const rawByRole: Record<FileRole, Uint8Array> = {
    trainImages: imagesIdx(trainCount, rows, cols),
    trainLabels: labelsIdx(trainCount),
    testImages: imagesIdx(testCount, rows, cols),
    testLabels: labelsIdx(testCount, 3),
  };
  const gz = (b: Uint8Array): Uint8Array => new Uint8Array(gzipSync(b));
  const gzByRole: Record<FileRole, Uint8Array> = {
    trainImages: gz(rawByRole.trainImages),
    trainLabels: gz(rawByRole.trainLabels),
    testImages: gz(rawByRole.testImages),
    testLabels: gz(rawByRole.testLabels),
  };
  const file = (role: FileRole) => ({
    name: FILE_NAMES[role],
    md5: md5(gzByRole[role]),
    rawMd5: md5(rawByRole[role]),
  });
  const spec: DatasetSpec = {
    name: 'fixture',
    title: 'Fixture',
    trainCount: 12,
    testCount: 5,
    classes: 10,
    files: {
      trainImages: file('trainImages'),
      trainLabels: file('trainLabels'),
      testImages: file('testImages'),
      testLabels: file('testLabels'),
    },
    baseUrls: opts.baseUrls ?? [],
    systemDirs: [],
  };
  return { gzByRole, rawByRole, spec };
}

/** Writes the fixture's files into dir (gzip with standard names, or raw without ".gz"). */
export function writeFixture(
  fx: Fixture,
  dir: string,
  opts: { raw?: boolean; roles?: readonly FileRole[] } = {},
): void {
  for (const role of opts.roles ?? FILE_ROLES) {
    const name = opts.raw === true ? FILE_NAMES[role].replace(/\.gz$/, '') : FILE_NAMES[role];
    writeFileSync(join(dir, name), opts.raw === true ? fx.rawByRole[role] : fx.gzByRole[role]);
  }
}

/** Asserts that `p` rejects with a one-line DataError whose message holds every fragment. */
export async function rejectsData(p: Promise<unknown>, ...fragments: string[]): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'));
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" lacks "${f}"`);
    return true;
  });
}

/** Asserts that `fn` throws a one-line DataError whose message holds every fragment. */
export function throwsData(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `message is not one line: ${err.message}`);
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" lacks "${f}"`);
    return true;
  });
}

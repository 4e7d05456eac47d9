// Checksum-verified download of one dataset file, trying mirrors in order (node's global fetch).
// The body streams into a temp file beside the target, is md5-checked, then renamed into place.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError } from './errors.ts';
import type { DatasetFile } from './types.ts';

export interface DownloadOptions {
  /** Mirrors tried in order; the file's URL is base + file name. */
  readonly baseUrls: readonly string[];
  readonly onProgress?: (msg: string) => void;
}

/** Joins a mirror base and a file name with exactly one slash. */
export function fileUrl(base: string, name: string): string {
  return base.endsWith('/') ? base + name : `${base}/${name}`;
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${err.message} (${code ?? cause.message})`;
  }
  return err.message;
}

function formatMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Streams a response body into path while hashing it; returns md5 hex, byte count and first bytes. */
async function saveBody(res: Response, path: string): Promise<{ md5: string; bytes: number; gzip: boolean }> {
  const hash = createHash('md5');
  const fh = await open(path, 'wx');
  let bytes = 0;
  let head: number[] = [];
  try {
    if (res.body !== null) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        if (head.length < 2) head = head.concat(Array.from(value.subarray(0, 2 - head.length)));
        bytes += value.length;
        await fh.write(value);
      }
    }
  } finally {
    await fh.close();
  }
  return { md5: hash.digest('hex'), bytes, gzip: head[0] === 0x1f && head[1] === 0x8b };
}

/**
 * Downloads file into dir, trying each mirror until one serves content with the official md5.
 * If a server applied Content-Encoding (so fetch handed back the decompressed bytes), the content is
 * accepted when it matches file.rawMd5 and saved without the ".gz" suffix. Returns the saved path.
 * No partial or unverified file is ever left at the target path.
 */
export async function downloadFile(file: DatasetFile, dir: string, opts: DownloadOptions): Promise<string> {
  const progress = opts.onProgress ?? (() => {});
  if (opts.baseUrls.length === 0) {
    throw new DataError(`cannot download ${file.name} into ${dir}: no download mirror configured`);
  }
  await mkdir(dir, { recursive: true });
  const failures: string[] = [];
  for (const base of opts.baseUrls) {
    const url = fileUrl(base, file.name);
    const tmpPath = join(dir, `.${file.name}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
    try {
      progress(`downloading ${url}`);
      const res = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
      if (!res.ok) {
        failures.push(`${url}: HTTP ${res.status}`);
        await res.body?.cancel();
        continue;
      }
      const got = await saveBody(res, tmpPath);
      let target: string | undefined;
      if (got.md5 === file.md5) target = join(dir, file.name);
      else if (!got.gzip && file.rawMd5 === got.md5) target = join(dir, file.name.replace(/\.gz$/, ''));
      if (target === undefined) {
        await rm(tmpPath, { force: true });
        failures.push(`${url}: md5 mismatch (expected ${file.md5}, found ${got.md5}, ${got.bytes} bytes)`);
        continue;
      }
      await rename(tmpPath, target);
      progress(`downloaded ${basename(target)} (${formatMB(got.bytes)}, md5 ok) into ${dirname(target)}`);
      return target;
    } catch (err) {
      await rm(tmpPath, { force: true });
      failures.push(`${url}: ${describeError(err)}`);
    }
  }
  throw new DataError(
    `cannot download ${file.name} into ${dir}: ${failures.join('; ')}` +
      ' (to work offline, set ESGRAD_DATA_DIR to a directory holding the files)',
  );
}

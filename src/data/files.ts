// File-system checks and reads of the data layer: does a path name a directory or a file, and a file's
// bytes with an unreadable file turned into a one-line DataError naming it.

import { readFile, stat } from 'node:fs/promises';
import { DataError } from './errors.ts';

export async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Reads a file's bytes; an unreadable file becomes a DataError naming it. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: cannot read file (${code ?? String(err)})`);
  }
}

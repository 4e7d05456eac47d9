// Writing a run's files: whole files atomically (temp file, rename), lines appended; a failure removes
// the temp file and names the file in one line (a full disk is the user's to fix, not an internal error).
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../types.ts';

/** What the system calls say of failures a user can fix (the disk, the permissions). */
const USER_FIXABLE: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
};

/** `e` as one line naming `path` when the user can fix it (UsageError), else `e` itself. */
export function fileWriteError(path: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code === undefined ? undefined : USER_FIXABLE[code];
  return why === undefined ? e : new UsageError(`cannot write ${path}: ${why} (${code})`);
}

const TEMP = /\.tmp-(\d+)$/;
const tempOf = (path: string): string => `${path}.tmp-${process.pid}`;

/** fsync of a file or directory; EINVAL (a file system or device that has nothing to sync) is no failure. */
function fsyncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `bytes` atomically: a temp file beside it, then rename. `durable` also fsyncs the
 * file before the rename and the directory after it. On failure the temp file is removed.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array | string, durable = false): void {
  const tmp = tempOf(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, bytes);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    if (durable) fsyncPath(dirname(path), 'r');
  } catch (e) {
    rmSync(tmp, { force: true });
    throw fileWriteError(path, e);
  }
}

/** Appends `text` to `path`; a failure names the file. */
export function appendText(path: string, text: string): void {
  try {
    appendFileSync(path, text);
  } catch (e) {
    throw fileWriteError(path, e);
  }
}

/** fsync of `path` (what was appended is on the disk); a failure names the file. */
export function syncFile(path: string): void {
  try {
    fsyncPath(path, 'r+');
  } catch (e) {
    throw fileWriteError(path, e);
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes the temp files of `names` in `dir` (`<name>.tmp-<pid>`) left by processes that no longer
 * run (killed while writing); returns their names. A missing or unreadable directory has none.
 */
export function removeStaleTempFiles(dir: string, names: readonly string[]): string[] {
  let found: string[];
  try {
    found = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = found.filter((n) => {
    const m = TEMP.exec(n);
    if (!m || !names.includes(n.slice(0, m.index))) return false;
    const pid = Number(m[1]);
    return pid !== process.pid && !alive(pid);
  });
  for (const n of stale) rmSync(join(dir, n), { force: true });
  return stale;
}

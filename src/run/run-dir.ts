// Run directories: which files make a directory an esgrad run, and preparing one for a new run
// without losing another (a run is replaced only when asked; a file in the way is one clear line).
import { existsSync, mkdirSync, readdirSync, rmSync, type Stats, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../types.ts';
import { RUN_STATUS_FILE } from './run-status.ts';

/** Files that mark a directory as holding an esgrad run (any one of them suffices). */
export const RUN_MARKERS: readonly string[] = [
  'config.json',
  'metrics.jsonl',
  'checkpoint.bin',
  'summary.json',
];

/**
 * Everything esgrad writes into a run directory (files, and the tensorboard/ folder): what
 * --overwrite removes; any other file of the user's there stays.
 */
export const RUN_FILES: readonly string[] = [
  ...RUN_MARKERS,
  'run.json',
  RUN_STATUS_FILE,
  'metrics.csv',
  'tensorboard',
  'model.onnx',
  'theta.safetensors',
  'model-best.onnx',
  'theta-best.safetensors',
  'workers.json', // a Redis master's workers (evaluate/redis.ts WORKERS_FILE)
];

/** The run files present in `dir` (none when it is not a directory). */
export function runFilesIn(dir: string, names: readonly string[] = RUN_MARKERS): string[] {
  return names.filter((name) => existsSync(join(dir, name)));
}

/** The nearest of `path` and its ancestors that exists and is not a directory, if any. */
export function fileInTheWay(path: string): string | undefined {
  for (let p = resolve(path); ; p = dirname(p)) {
    let stat: Stats | undefined;
    try {
      stat = statSync(p, { throwIfNoEntry: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e; // a file higher up: look there
    }
    if (stat) return stat.isDirectory() ? undefined : p;
    if (dirname(p) === p) return undefined;
  }
}

export interface RunDirIntent {
  /** The run in the directory is continued (--resume): it must be there. */
  readonly resume?: boolean | undefined;
  /** Replace the run in the directory (--overwrite). */
  readonly overwrite?: boolean | undefined;
}

/**
 * Refuses `out` for a new run when a file stands where a directory is wanted, or when it holds a
 * run already and neither resume nor overwrite was asked for. Reads only: nothing is removed yet.
 */
export function checkRunDir(out: string, intent: RunDirIntent = {}): void {
  const file = fileInTheWay(out);
  if (file !== undefined) {
    const what = file === resolve(out) ? 'is a file' : `cannot be made: ${file} is a file`;
    throw new UsageError(`--out ${out}: ${what}, not a directory`);
  }
  if (intent.resume || intent.overwrite) return;
  const found = runFilesIn(out);
  if (found.length > 0) {
    const resume = found.includes('checkpoint.bin') ? `continue it with --resume ${out}, ` : '';
    throw new UsageError(
      `--out ${out} holds a run already (${found.join(', ')}): ${resume}choose another --out, or replace it with --overwrite`,
    );
  }
}

/** Removes esgrad's own files of a run in `dir` (and their temporary files); the user's other files stay. */
export function clearRunDir(dir: string): void {
  if (!existsSync(dir)) return;
  const temp = (name: string): boolean => RUN_FILES.some((f) => name.startsWith(`${f}.tmp-`));
  for (const name of readdirSync(dir)) {
    if (RUN_FILES.includes(name) || temp(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** Creates `dir` (and its parents); a failure is one line naming the directory. */
export function makeRunDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`--out ${dir}: cannot create the directory (${err.code ?? err.message})`);
  }
}

/** `base`, or `base-2`, `base-3`, ... : the first that does not exist yet (default run directories). */
export function freeRunDir(base: string): string {
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

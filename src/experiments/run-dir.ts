// Reads one run directory back (`esgrad train --out`, `esgrad corr population --out`): config.json,
// run.json, metrics.jsonl up to a torn last line, and summary.json, which is missing while a run is unfinished.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_MARKERS } from '../run/run-dir.ts';
import { type Metrics, UsageError } from '../types.ts';
import { readJsonl } from './load.ts';

export interface LoadedRunDir {
  readonly dir: string;
  /** config.json as written by the run (undefined when absent). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** run.json: what the run was given besides its settings (model name, parameters, dataset label). */
  readonly info?: Readonly<Record<string, unknown>>;
  /** summary.json (undefined while the run is in progress, or after it was interrupted). */
  readonly summary?: Metrics;
  /** metrics.jsonl, one record per line. */
  readonly metrics: readonly Metrics[];
}

/** Whether `dir` holds a run's files (any of RUN_MARKERS: config.json, metrics.jsonl, checkpoint.bin, summary.json). */
export function isRunDir(dir: string): boolean {
  return RUN_MARKERS.some((f) => existsSync(join(dir, f)));
}

function readJsonObject(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError(`${path}: not a JSON object`);
}

export function loadRunDir(dir: string): LoadedRunDir {
  if (!isRunDir(dir))
    throw new UsageError(`${dir}: no config.json, metrics.jsonl or summary.json (not a run directory)`);
  const config = readJsonObject(join(dir, 'config.json')),
    info = readJsonObject(join(dir, 'run.json')),
    summary = readJsonObject(join(dir, 'summary.json')) as Metrics | undefined;
  return {
    dir,
    metrics: readJsonl(join(dir, 'metrics.jsonl')),
    ...(config ? { config } : {}),
    ...(info ? { info } : {}),
    ...(summary ? { summary } : {}),
  };
}

// Wall-clock seconds each run of an experiment took, summed over the sittings that ran it
// (<dir>/compute.json, {run id: seconds}); the report's "Compute" table reads it back.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../run/reporters.ts';

export const COMPUTE_FILE = 'compute.json';

/** The seconds recorded per run id; {} when none were (or the file is unreadable). */
export function readComputeSeconds(dir: string): Record<string, number> {
  const path = join(dir, COMPUTE_FILE);
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] >= 0),
    );
  } catch {
    return {};
  }
}

/** Adds `seconds` to run `id`'s total (a run continued from its checkpoint adds each sitting). */
export function addComputeSeconds(dir: string, id: string, seconds: number): void {
  const all = readComputeSeconds(dir);
  all[id] = (all[id] ?? 0) + seconds;
  writeJsonAtomic(join(dir, COMPUTE_FILE), all);
}

/** "3.2 s", "12.5 min", "2.41 h". */
export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 2 * 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}

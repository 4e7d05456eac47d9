// Finds the runs and experiments under the dashboard's directories: a directory is an experiment
// (manifest.json, its runs under runs/), a run (RUN_MARKERS), or is searched a few levels down.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { isRunDir } from '../experiments/run-dir.ts';

/** How many directory levels under each DIR are searched for runs and experiments. */
export const SCAN_DEPTH = 3;

export interface RunEntry {
  readonly id: string;
  readonly dir: string;
  /** The directory as the user knows it: DIR's name and the path under it. */
  readonly name: string;
  /** The experiment the run belongs to, if any. */
  readonly experimentId?: string;
}

export interface ExperimentEntry {
  readonly id: string;
  readonly dir: string;
  readonly name: string;
}

export interface Scan {
  readonly runs: RunEntry[];
  readonly experiments: ExperimentEntry[];
  /** What the page should say about a DIR (missing, not a directory, nothing found). */
  readonly notes: string[];
}

/** A short stable id of a directory (URLs name runs by id, never by path). */
export const dirId = (dir: string): string =>
  createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 12);

const isDir = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules')
      .map((d) => d.name)
      .sort();
  } catch {
    return []; // deleted or unreadable meanwhile
  }
}

/** The runs and experiments under `roots`, with a note for each DIR that holds none. */
export function scanRoots(roots: readonly string[]): Scan {
  const runs: RunEntry[] = [],
    experiments: ExperimentEntry[] = [],
    notes: string[] = [],
    seen = new Set<string>();
  const visit = (dir: string, name: string, depth: number): void => {
    const abs = resolve(dir);
    if (seen.has(abs)) return;
    seen.add(abs);
    if (existsSync(join(dir, 'manifest.json'))) {
      const id = dirId(dir);
      experiments.push({ id, dir: abs, name });
      for (const sub of subdirs(join(dir, 'runs'))) {
        const runDir = join(dir, 'runs', sub);
        if (isRunDir(runDir))
          runs.push({ id: dirId(runDir), dir: resolve(runDir), name: `${name}/${sub}`, experimentId: id });
      }
      return;
    }
    if (isRunDir(dir)) {
      runs.push({ id: dirId(dir), dir: abs, name });
      return;
    }
    if (depth < SCAN_DEPTH)
      for (const sub of subdirs(dir)) visit(join(dir, sub), `${name}/${sub}`, depth + 1);
  };
  for (const root of roots) {
    if (!existsSync(root)) {
      notes.push(`${root}: no such directory (yet)`);
      continue;
    }
    if (!isDir(root)) {
      notes.push(`${root}: not a directory`);
      continue;
    }
    const before = runs.length + experiments.length;
    visit(root, basename(resolve(root)) || root, 0);
    if (runs.length + experiments.length === before)
      notes.push(
        `${root}: no esgrad runs or experiments here (yet): a run has config.json or metrics.jsonl (esgrad train --out), an experiment manifest.json (esgrad experiment)`,
      );
  }
  return { runs, experiments, notes };
}

/** `dir` relative to the current directory when under it (for display). */
export const shownPath = (dir: string): string => {
  const r = relative(process.cwd(), dir);
  return r && !r.startsWith('..') ? r : dir;
};

// Reads an experiment directory back: the manifest and, per run, summary.json (when finished) and
// metrics.jsonl (a torn last line from an interrupted run is ignored).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Metrics, UsageError } from '../types.ts';
import { readManifest } from './manifest.ts';
import type { LoadedExperiment, LoadedRun } from './types.ts';

/** The records of a metrics.jsonl, up to a torn (half-written) line; none when the file is missing. */
export function readJsonl(path: string): Metrics[] {
  if (!existsSync(path)) return [];
  const out: Metrics[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Metrics);
    } catch {
      break; // a partial line written when the run was killed
    }
  }
  return out;
}

export function loadExperiment(dir: string): LoadedExperiment {
  const manifest = readManifest(dir);
  if (!manifest)
    throw new UsageError(
      `${dir}: no manifest.json (not an experiment directory made by \`esgrad experiment\`)`,
    );
  const runs = manifest.runs.map((spec): LoadedRun => {
    const runDir = join(dir, 'runs', spec.id);
    const summaryPath = join(runDir, 'summary.json');
    const summary = existsSync(summaryPath)
      ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as Metrics)
      : undefined;
    return {
      spec,
      dir: runDir,
      metrics: readJsonl(join(runDir, 'metrics.jsonl')),
      ...(summary ? { summary } : {}),
    };
  });
  return { dir, manifest, runs };
}

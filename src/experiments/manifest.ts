// The manifest of an experiment directory: preset, scale, seeds, dataset, package version, git commit
// and machine, written before the first run and checked when the same command is run again.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../types.ts';
import { VERSION } from '../version.ts';
import type { Manifest, Preset, RunSpec, Scale } from './types.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** HEAD of the checkout esgrad runs from, "+dirty" when it has uncommitted changes; "unknown" outside git. */
export function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

export function machine(): Manifest['machine'] {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
  };
}

export function buildManifest(
  preset: Preset,
  scale: Scale,
  seeds: number,
  dataset: string,
  runs: readonly RunSpec[],
  createdAt = new Date().toISOString(),
): Manifest {
  return {
    experiment: preset.name,
    title: preset.title,
    scale,
    seeds,
    dataset,
    packageVersion: VERSION,
    gitCommit: gitCommit(),
    machine: machine(),
    createdAt,
    runs,
  };
}

export function readManifest(dir: string): Manifest | undefined {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    throw new UsageError(`${path}: not a valid manifest (JSON)`);
  }
}

/** An existing manifest must be of the same preset and scale: rerunning continues it, it never mixes runs. */
export function checkSameExperiment(old: Manifest, preset: Preset, scale: Scale, dir: string): void {
  if (old.experiment !== preset.name || old.scale !== scale) {
    throw new UsageError(
      `${dir} holds the ${old.experiment} experiment at scale ${old.scale}, not ${preset.name} at ${scale}: use another --out`,
    );
  }
}

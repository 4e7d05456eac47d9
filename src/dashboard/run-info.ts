// What the page shows of a run besides its curves: status, settings (config.json), model and data
// (run.json), results (summary.json) and a Redis master's workers (workers.json); never throws.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { WORKERS_FILE } from '../evaluate/redis.ts';
import type { WorkersFile } from '../evaluate/redis-status.ts';
import { runStatusOf } from './status.ts';

/** workers.json as the Redis master writes it (evaluate/redis-status.ts), checked before it is shown. */
const workersSchema: z.ZodType<WorkersFile> = z.object({
  updated: z.string(),
  workers: z.array(
    z.object({
      name: z.string(),
      host: z.string(),
      pid: z.number(),
      alive: z.boolean(),
      chunks: z.number(),
      stale: z.number(),
      malformed: z.number(),
      lastSeen: z.string(),
    }),
  ),
  skippedFraction: z.number(),
  bytesPerIteration: z.number(),
});

/** Settings shown beside a run's name (config.json keys), in this order. */
export const KEY_SETTINGS = [
  'algo',
  'model',
  'dataset',
  'seed',
  'iters',
  'population',
  'sigma',
  'batch',
  'optimizer',
  'lr',
  'l2',
  'fitness',
  'limited',
  'noMinibatch',
  'evaluator',
  'targetCorr',
] as const;

/** Settings that mean something to one algorithm only (config.json holds their defaults for all). */
const ONLY_FOR: Readonly<Record<string, string>> = {
  population: 'es',
  sigma: 'es',
  fitness: 'es',
  limited: 'es',
  noMinibatch: 'es',
  evaluator: 'es',
  targetCorr: 'proxy',
};

export interface RunInfo {
  readonly state: string;
  readonly reason: string;
  readonly settings: Record<string, unknown>;
  readonly info?: Record<string, unknown>;
  readonly summary?: Record<string, unknown>;
  readonly workers?: WorkersFile;
  /** Files that could not be read as expected (the page lists them). */
  readonly problems: string[];
}

type Read<T> = { value?: T; problem?: string };

function readJson(dir: string, name: string): Read<unknown> {
  let text: string;
  try {
    text = readFileSync(join(dir, name), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? {} : { problem: `${name}: cannot be read (${code})` };
  }
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { problem: `${name}: not JSON (half-written?)` };
  }
}

function readObject(dir: string, name: string, problems: string[]): Record<string, unknown> | undefined {
  const r = readJson(dir, name);
  if (r.problem) problems.push(r.problem);
  if (r.value === undefined) return undefined;
  if (r.value !== null && typeof r.value === 'object' && !Array.isArray(r.value))
    return r.value as Record<string, unknown>;
  problems.push(`${name}: not a JSON object`);
  return undefined;
}

export function readRunInfo(dir: string): RunInfo {
  const problems: string[] = [];
  const config = readObject(dir, 'config.json', problems) ?? {};
  const info = readObject(dir, 'run.json', problems);
  const summary = readObject(dir, 'summary.json', problems);
  const rawWorkers = readObject(dir, WORKERS_FILE, problems);
  let workers: WorkersFile | undefined;
  if (rawWorkers) {
    const parsed = workersSchema.safeParse(rawWorkers);
    if (parsed.success) workers = parsed.data;
    else
      problems.push(`${WORKERS_FILE}: unexpected shape (${parsed.error.issues[0]?.path.join('.') || 'top'})`);
  }
  const settings: Record<string, unknown> = {};
  for (const k of KEY_SETTINGS) {
    const only = ONLY_FOR[k];
    if (config[k] !== undefined && (only === undefined || config.algo === only)) settings[k] = config[k];
  }
  const status = runStatusOf(dir);
  return {
    state: status.state,
    reason: status.reason,
    settings,
    ...(info ? { info } : {}),
    ...(summary ? { summary } : {}),
    ...(workers ? { workers } : {}),
    problems,
  };
}

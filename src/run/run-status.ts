// status.json of a run directory: whether the run is running, finished, interrupted (Ctrl-C, SIGTERM)
// or failed (with the error's one line), and which process runs it; read back by `esgrad dashboard`.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Metrics } from '../types.ts';
import { writeJsonAtomic } from './reporters.ts';

export const RUN_STATUS_FILE = 'status.json';

export const RUN_STATES = ['running', 'finished', 'interrupted', 'failed'] as const;
export type RunState = (typeof RUN_STATES)[number];

const runStatusSchema = z.object({
  state: z.enum(RUN_STATES),
  /** The process training the run, and its machine (a dashboard on the same host checks it is alive). */
  pid: z.number().int(),
  host: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  /** A failed run: the error's message. */
  error: z.string().optional(),
});
export type RunStatus = z.infer<typeof runStatusSchema>;

/** The run's status.json; undefined when absent or not a status (a run by an older esgrad, a torn write). */
export function readRunStatus(dir: string): RunStatus | undefined {
  const path = join(dir, RUN_STATUS_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = runStatusSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface RunStatusWriter {
  /** The run ended: finished, or interrupted when the summary says so; returns the summary. */
  ended(summary: Metrics): Metrics;
  /** The run failed with `error`. */
  failed(error: unknown): void;
}

/** Writes status.json as running (this process, this host) now; the writer records how the run ends. */
export function startRunStatus(dir: string): RunStatusWriter {
  const startedAt = new Date().toISOString();
  const write = (state: RunState, error?: string): void => {
    const status: RunStatus = {
      state,
      pid: process.pid,
      host: hostname(),
      startedAt,
      updatedAt: new Date().toISOString(),
      ...(error === undefined ? {} : { error }),
    };
    writeJsonAtomic(join(dir, RUN_STATUS_FILE), status);
  };
  write('running');
  return {
    ended(summary) {
      write(summary.interrupted === true ? 'interrupted' : 'finished');
      return summary;
    },
    failed(error) {
      try {
        write('failed', error instanceof Error ? error.message : String(error));
      } catch {
        // the run's own error is the one to report (e.g. the disk is full)
      }
    },
  };
}

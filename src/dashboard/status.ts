// A run's status from its files: status.json (written by train()) when present, checked against the
// process when on this host; for runs without one (older esgrad, population searches) the files' ages.
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type RunState, type RunStatus, readRunStatus } from '../run/run-status.ts';

/** Without status.json, a run whose metrics.jsonl changed within this long is taken as running. */
export const RECENT_MS = 10 * 60_000;

export interface DerivedStatus {
  readonly state: RunState;
  /** Why, in a few words (shown beside the state). */
  readonly reason: string;
}

/** Whether process `pid` exists on this machine (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StatusFacts {
  readonly status: RunStatus | undefined;
  readonly hasSummary: boolean;
  readonly hasCheckpoint: boolean;
  /** metrics.jsonl's (else config.json's) modification time, ms since the epoch. */
  readonly lastWriteMs: number | undefined;
  readonly nowMs: number;
  readonly thisHost: string;
  readonly alive: (pid: number) => boolean;
}

/**
 * The rule: status.json says finished, interrupted or failed → that; running → running while its
 * process lives (on another host: trusted), else interrupted (the process was killed). Without
 * status.json: summary.json → finished; checkpoint.bin → interrupted; written within RECENT_MS →
 * running; else interrupted.
 */
export function deriveStatus(f: StatusFacts): DerivedStatus {
  const s = f.status;
  if (s) {
    if (s.state === 'failed') return { state: 'failed', reason: s.error ?? 'the run failed' };
    if (s.state !== 'running') return { state: s.state, reason: `status.json (${s.updatedAt})` };
    if (s.host !== f.thisHost) return { state: 'running', reason: `process ${s.pid} on ${s.host}` };
    if (f.alive(s.pid)) return { state: 'running', reason: `process ${s.pid}` };
    return { state: 'interrupted', reason: `process ${s.pid} ended without a word (killed?)` };
  }
  if (f.hasSummary) return { state: 'finished', reason: 'summary.json' };
  if (f.hasCheckpoint) return { state: 'interrupted', reason: 'checkpoint.bin, no summary.json' };
  if (f.lastWriteMs !== undefined && f.nowMs - f.lastWriteMs < RECENT_MS)
    return { state: 'running', reason: 'metrics written recently (no status.json)' };
  return { state: 'interrupted', reason: 'no summary.json and no recent metrics' };
}

function mtimeMs(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs;
}

/** When the run in `dir` last wrote a record (metrics.jsonl), else its settings (config.json). */
export const lastWriteMs = (dir: string): number | undefined =>
  mtimeMs(join(dir, 'metrics.jsonl')) ?? mtimeMs(join(dir, 'config.json'));

/** The status of the run in `dir` now. */
export function runStatusOf(dir: string, nowMs = Date.now()): DerivedStatus {
  return deriveStatus({
    status: readRunStatus(dir),
    hasSummary: existsSync(join(dir, 'summary.json')),
    hasCheckpoint: existsSync(join(dir, 'checkpoint.bin')),
    lastWriteMs: lastWriteMs(dir),
    nowMs,
    thisHost: hostname(),
    alive: processAlive,
  });
}

// What a Redis master knows of its workers, for its reminders and for the dashboard: per worker what it
// said of itself (esgrad:workers heartbeats) and what the master made of its results; <run>/workers.json.
import { renameSync, writeFileSync } from 'node:fs';
import { parseWorkerInfo, type WorkerInfo } from './redis-protocol.ts';

/** The master's count of one worker's results. */
export interface WorkerTally {
  chunks: number;
  stale: number;
  malformed: number;
  /** When its last result arrived (ms since the epoch), 0 before any. */
  lastResultMs: number;
}

/** One worker as written to workers.json. */
export interface WorkerStatus {
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly alive: boolean;
  readonly chunks: number;
  readonly stale: number;
  readonly malformed: number;
  readonly lastSeen: string;
}

/** <run>/workers.json: the dashboard's view of a Redis run's workers. */
export interface WorkersFile {
  readonly updated: string;
  readonly workers: readonly WorkerStatus[];
  /** Results dropped (stale, malformed, refused) over all results read, since the run started. */
  readonly skippedFraction: number;
  /** Payload bytes the master wrote and read per iteration, on average. */
  readonly bytesPerIteration: number;
}

/** A worker is alive while it has written its heartbeat or sent a result within this long. */
export const ALIVE_MS = 5000;

export const newTally = (): WorkerTally => ({ chunks: 0, stale: 0, malformed: 0, lastResultMs: 0 });

/**
 * Every worker that registered (esgrad:workers, name -> JSON WorkerInfo) or sent a result, sorted by
 * name: alive when seen within ALIVE_MS of `nowMs`.
 */
export function workerStatuses(
  registered: Readonly<Record<string, string>>,
  tallies: ReadonlyMap<string, WorkerTally>,
  nowMs: number,
): WorkerStatus[] {
  const names = new Set([...Object.keys(registered), ...tallies.keys()]);
  return [...names].sort().map((name) => {
    const info: WorkerInfo | undefined = parseWorkerInfo(registered[name]);
    const t = tallies.get(name) ?? newTally();
    const seenMs = Math.max(info ? Date.parse(info.lastSeen) : 0, t.lastResultMs);
    return {
      name,
      host: info?.host ?? '',
      pid: info?.pid ?? 0,
      alive: seenMs > 0 && nowMs - seenMs <= ALIVE_MS,
      chunks: t.chunks,
      stale: t.stale,
      malformed: t.malformed,
      lastSeen: new Date(seenMs).toISOString(),
    };
  });
}

/** Writes `path` through a temporary file and a rename: a reader sees the old file or the new one. */
export function writeWorkersFile(path: string, file: WorkersFile): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 1)}\n`);
  renameSync(tmp, path);
}

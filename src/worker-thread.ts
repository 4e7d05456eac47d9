// Starts a worker thread on a TypeScript module through the one bootstrap (worker-thread.mjs): the
// evaluator's workers and the aggregation pool's start the same way.
import { Worker } from 'node:worker_threads';

const BOOTSTRAP = new URL('./worker-thread.mjs', import.meta.url);

/** A worker running `entry` (a module URL) with `data` as its workerData (plus `entry`). */
export function startWorker(entry: URL, data: Record<string, unknown>): Worker {
  return new Worker(BOOTSTRAP, { workerData: { ...data, entry: entry.href } });
}

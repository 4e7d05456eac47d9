// Starts a worker thread on a module of esgrad through the one bootstrap (worker-thread.mjs): the
// evaluator's workers and the aggregation pool's start the same way, from the sources or from dist/.
import { Worker } from 'node:worker_threads';

const BOOTSTRAP = new URL('./worker-thread.mjs', import.meta.url);

/**
 * The worker module `name` (without extension) beside the module at `base` (its import.meta.url), in
 * the same form: `name.ts` when running from the TypeScript sources, `name.js` when built to dist/.
 */
export function workerEntry(name: string, base: string): URL {
  const extension = new URL(base).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`${name}${extension}`, base);
}

/** A worker running `entry` (a module URL) with `data` as its workerData (plus `entry`). */
export function startWorker(entry: URL, data: Record<string, unknown>): Worker {
  return new Worker(BOOTSTRAP, { workerData: { ...data, entry: entry.href } });
}

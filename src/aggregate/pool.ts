// The aggregation's thread pool: synchronous multi-threaded phases over SharedArrayBuffers; the calling
// thread works too, then blocks (Atomics.wait) until every worker has finished. One pool per Aggregator.

import type { Worker } from 'node:worker_threads';
import { startWorker, workerEntry } from '../worker-thread.ts';
import {
  CTRL_DONE,
  CTRL_FAILED,
  drainUnits,
  type Task,
  taskRunner,
  taskUnits,
  UnitContext,
} from './tasks.ts';
import { SLOTS } from './wasm-axpy.ts';

/** A worker that has not finished its share of a phase after this long is taken as lost. */
const PHASE_TIMEOUT_MS = 300_000;
/** Workers must have loaded within this time, else the pool runs on the calling thread alone. */
const START_TIMEOUT_MS = 60_000;
const ENTRY = workerEntry('./worker', import.meta.url);

/** Up to `threads` threads (the calling one included; at most SLOTS); workers start on first use. */
export class ThreadPool {
  readonly threads: number;
  private readonly main = new UnitContext(0);
  private workers: Worker[] = [];
  private started = false;

  constructor(threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`ThreadPool: threads = ${threads}`);
    this.threads = Math.min(SLOTS, threads);
  }

  /** Worker threads running (the calling thread not counted). */
  get workerCount(): number {
    return this.workers.length;
  }

  /** Runs every unit of `task` on the pool's threads; returns when all are done. */
  run(task: Task): void {
    const units = taskUnits(task);
    const helpers = units > 1 ? this.ensureWorkers(Math.min(this.threads, units) - 1) : 0;
    const ctrl = new Int32Array(new SharedArrayBuffer(12));
    for (let i = 0; i < helpers; i++) this.workers[i]!.postMessage({ ctrl: ctrl.buffer, task });
    drainUnits(ctrl, units, taskRunner(task, this.main));
    const deadline = Date.now() + PHASE_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(ctrl, CTRL_DONE);
      if (done >= helpers) break;
      if (Date.now() > deadline) {
        throw new Error(
          `aggregate: ${helpers - done} worker thread(s) did not finish a phase in ${PHASE_TIMEOUT_MS / 1000} s`,
        );
      }
      Atomics.wait(ctrl, CTRL_DONE, done, 1000);
    }
    if (Atomics.load(ctrl, CTRL_FAILED) > 0)
      throw new Error('aggregate: a worker thread failed (see stderr)');
  }

  /** Stops the workers (they are unref'd, so an unclosed pool does not keep the process alive). */
  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    this.started = true; // a closed pool runs on the calling thread alone
    await Promise.all(ws.map((w) => w.terminate()));
  }

  /** Starts (once) `want` workers; returns how many are ready. Blocks until they are loaded. */
  private ensureWorkers(want: number): number {
    if (this.started) return Math.min(this.workers.length, want);
    this.started = true;
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const fresh: Worker[] = [];
    try {
      for (let slot = 1; slot < this.threads; slot++) {
        const w = startWorker(ENTRY, { ready: ready.buffer, slot });
        w.unref();
        // a worker that fails to load never counts itself ready: the pool then runs on this thread
        w.on('error', (e) => process.stderr.write(`esgrad aggregate worker failed: ${e.message}\n`));
        fresh.push(w);
      }
    } catch {
      // no worker threads here: run on the calling thread alone
      for (const w of fresh) void w.terminate();
      return 0;
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Atomics.load(ready, 0) < fresh.length && Date.now() < deadline) {
      Atomics.wait(ready, 0, Atomics.load(ready, 0), 50);
    }
    if (Atomics.load(ready, 0) < fresh.length) {
      for (const w of fresh) void w.terminate();
      return 0;
    }
    this.workers = fresh;
    return Math.min(fresh.length, want);
  }
}

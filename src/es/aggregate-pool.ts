// Synchronous multi-threaded phases for the fast aggregation: worker_threads over SharedArrayBuffers;
// the calling thread works too and then blocks (Atomics.wait) until every worker has finished.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  CTRL_DONE,
  CTRL_FAILED,
  drainUnits,
  type TableRef,
  type Task,
  taskRunner,
  taskUnits,
  UnitContext,
} from './aggregate-tasks.ts';
import { SLOTS, wasmTableMemory } from './aggregate-wasm.ts';

/** A worker that has not finished its share of a phase after this long is taken as lost. */
const PHASE_TIMEOUT_MS = 300_000;
/** Workers must have loaded within this time, else the pool runs on the calling thread alone. */
const START_TIMEOUT_MS = 60_000;

// Workers load TypeScript: register tsx (Node 20 applies no --import hooks to workers), then the module.
const ENTRY = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((m) => { m.register(); return import(workerData.entry); })
  .catch((e) => { process.stderr.write('esgrad aggregate worker failed to start: ' + e + '\\n'); });
`;

const mainContext = new UnitContext(0);
let workers: Worker[] = [];
let started = false;

/** Starts (once) threads - 1 workers; returns how many are ready. Blocks until they are loaded. */
function ensureWorkers(threads: number): number {
  const want = Math.min(SLOTS - 1, Math.max(0, threads - 1));
  if (workers.length >= want || (started && workers.length === 0)) return Math.min(workers.length, want);
  const ready = new Int32Array(new SharedArrayBuffer(4));
  const fresh: Worker[] = [];
  try {
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./aggregate-worker.ts', import.meta.url).href;
    for (let i = workers.length; i < want; i++) {
      const w = new Worker(ENTRY, {
        eval: true,
        workerData: { tsx, entry, ready: ready.buffer, slot: i + 1 },
      });
      w.unref();
      fresh.push(w);
    }
  } catch {
    // no worker threads here (or tsx not resolvable): run on the calling thread alone
    for (const w of fresh) void w.terminate();
    started = true;
    return Math.min(workers.length, want);
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Atomics.load(ready, 0) < fresh.length && Date.now() < deadline) {
    Atomics.wait(ready, 0, Atomics.load(ready, 0), 50);
  }
  started = true;
  if (Atomics.load(ready, 0) < fresh.length) {
    for (const w of fresh) void w.terminate();
    return Math.min(workers.length, want);
  }
  workers = workers.concat(fresh);
  return want;
}

/** Worker threads started so far (the calling thread not counted). */
export function poolWorkers(): number {
  return workers.length;
}

/** Default thread count: every core. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Runs every unit of `task` on up to `threads` threads (this one included); returns when all are done. */
export function runTask(task: Task, threads = defaultThreads()): void {
  const units = taskUnits(task);
  const helpers = units > 1 ? ensureWorkers(Math.min(threads, units)) : 0;
  const ctrl = new Int32Array(new SharedArrayBuffer(12));
  for (let i = 0; i < helpers; i++) workers[i]!.postMessage({ ctrl: ctrl.buffer, task });
  drainUnits(ctrl, units, taskRunner(task, mainContext));
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  for (;;) {
    const done = Atomics.load(ctrl, CTRL_DONE);
    if (done >= helpers) break;
    if (Date.now() > deadline)
      throw new Error(
        `aggregate: ${helpers - done} worker thread(s) did not finish a phase in ${PHASE_TIMEOUT_MS / 1000} s`,
      );
    Atomics.wait(ctrl, CTRL_DONE, done, 1000);
  }
  if (Atomics.load(ctrl, CTRL_FAILED) > 0) throw new Error('aggregate: a worker thread failed (see stderr)');
}

const sharedTables = new WeakMap<Float32Array, TableRef>();
let tableIds = 0;

/**
 * The table in shared memory, copied once per table: into a shared WebAssembly.Memory for the SIMD
 * kernels when the engine has them, else into a SharedArrayBuffer (or used as is if it already is one).
 */
export function sharedTable(table: Float32Array): TableRef {
  let s = sharedTables.get(table);
  if (!s) {
    const w = wasmTableMemory(table);
    if (w)
      s = {
        id: ++tableIds,
        sab: w.memory.buffer as unknown as SharedArrayBuffer,
        byteOffset: w.view.byteOffset,
        length: table.length,
        memory: w.memory,
      };
    else if (table.buffer instanceof SharedArrayBuffer)
      s = { id: ++tableIds, sab: table.buffer, byteOffset: table.byteOffset, length: table.length };
    else {
      const copy = new Float32Array(new SharedArrayBuffer(table.byteLength));
      copy.set(table);
      s = { id: ++tableIds, sab: copy.buffer as SharedArrayBuffer, byteOffset: 0, length: table.length };
    }
    sharedTables.set(table, s);
  }
  return s;
}

let scratchOut: Float32Array | undefined;

/** A reused shared float32 array of length n for results (contents undefined; valid until the next call). */
export function outputScratch(n: number): Float32Array {
  if (!scratchOut || scratchOut.buffer.byteLength < 4 * n)
    scratchOut = new Float32Array(new SharedArrayBuffer(4 * Math.max(n, 1024)));
  return scratchOut.subarray(0, n);
}

export function forgetSharedTable(table: Float32Array): void {
  sharedTables.delete(table);
}

/** Stops the pool's workers (they are unref'd, so this is only needed to free them early). */
export async function closeAggregatePool(): Promise<void> {
  const ws = workers;
  workers = [];
  started = false;
  await Promise.all(ws.map((w) => w.terminate()));
}

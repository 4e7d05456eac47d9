// The worker_threads pool under the threads evaluators (models and objectives): θ in shared memory,
// chunks of tasks dispatched to idle workers, dead workers replaced and their chunks re-run.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { EsTask } from '../es/task.ts';
import type { Vec } from '../types.ts';
import { startWorker } from '../worker-thread.ts';
import type { Evaluator } from './evaluator.ts';
import type {
  ChunkFailures,
  ChunkRequest,
  ChunkResult,
  PoolInit,
  WorkerMessage,
} from './threads-protocol.ts';

export interface PoolOptions {
  /** Worker threads (default: every core). */
  readonly workers?: number;
  /** Tasks sent to a worker at a time (default: a quarter of a generation's share per worker). */
  readonly tasksPerChunk?: number;
  /** Fault injection for tests: the first worker to receive this chunk number exits (once per evaluator). */
  readonly exitOnChunk?: number;
  /** Hears the first objective failure of the run (threads evaluators of objectives). */
  readonly onFailures?: (f: ChunkFailures) => void;
}

/** A retried chunk that keeps killing its workers is given up after this many attempts. */
const MAX_ATTEMPTS = 3;

interface Slot {
  /** undefined once its worker failed to start (never replaced). */
  worker: Worker | undefined;
  ready: boolean;
  busy?: { chunk: number; onDone: (r: ChunkResult) => void } | undefined;
}

/** What a pool's workers are started with, before the pool adds θ's shared memory. */
export type PoolWorkerData = Omit<PoolInit, 'thetaS' | 'exitOnChunk' | 'exitClaimSab'> &
  Record<string, unknown>;

export class PoolEvaluator implements Evaluator {
  private readonly slots: Slot[] = [];
  private readonly thetaS: Float32Array;
  private readonly init: PoolInit & Record<string, unknown>;
  private thetaVersion = 0;
  private closed = false;
  /** Set when a worker died before it was ready (its module or model cannot load): the pool is unusable. */
  private failure: string | undefined;

  /** Workers that died and were replaced so far. */
  restarts = 0;

  /** @param data.tableS must live in a SharedArrayBuffer */
  constructor(
    private readonly entry: URL,
    private readonly params: number,
    data: PoolWorkerData,
    private readonly opts: PoolOptions = {},
  ) {
    if (!(data.tableS.buffer instanceof SharedArrayBuffer))
      throw new Error('threads evaluator: the noise table must be in a SharedArrayBuffer');
    this.thetaS = new Float32Array(new SharedArrayBuffer(params * 4));
    this.init = {
      ...data,
      thetaS: this.thetaS,
      ...(opts.exitOnChunk === undefined
        ? {}
        : { exitOnChunk: opts.exitOnChunk, exitClaimSab: new SharedArrayBuffer(4) }),
    };
    const n = Math.max(1, opts.workers || availableParallelism());
    for (let i = 0; i < n; i++) this.slots.push({ worker: this.spawn(), ready: false });
  }

  get workers(): number {
    return this.slots.length;
  }

  private spawn(): Worker {
    const worker = startWorker(this.entry, this.init);
    worker.unref();
    const slotOf = (): Slot | undefined => this.slots.find((s) => s.worker === worker);
    worker.on('message', (m: WorkerMessage) => {
      const slot = slotOf();
      if (!slot) return;
      if ('ready' in m) {
        slot.ready = true;
        return;
      }
      const busy = slot.busy;
      if (busy && busy.chunk === m.chunk) {
        slot.busy = undefined;
        busy.onDone(m);
      }
    });
    const died = (why: string): void => {
      const slot = slotOf();
      if (!slot || this.closed) return;
      const busy = slot.busy;
      slot.busy = undefined;
      if (!slot.ready) {
        this.failure ??= `a worker failed to start: ${why}`;
        slot.worker = undefined; // not replaced: its replacement would fail the same way
        busy?.onDone({ chunk: busy.chunk, error: this.failure });
        return;
      }
      this.restarts++;
      slot.ready = false;
      slot.worker = this.spawn(); // replace the dead worker
      busy?.onDone({ chunk: busy.chunk, error: `worker died (${why})`, retry: true });
    };
    worker.on('error', (e) => died(e.message));
    worker.on('exit', (code) => died(`exit code ${code}`));
    return worker;
  }

  private chunkSize(tasks: number): number {
    return this.opts.tasksPerChunk ?? Math.max(1, Math.ceil(tasks / (4 * this.slots.length)));
  }

  async evaluate(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array> {
    if (this.failure) throw new Error(`threads evaluator: ${this.failure}`);
    if (thetaP.length !== this.params)
      throw new Error(`θ has ${thetaP.length} values, the evaluator was built for ${this.params}`);
    this.thetaS.set(thetaP);
    const thetaVersion = ++this.thetaVersion;
    const perChunk = this.chunkSize(tasks.length);
    const rewardsN = new Float64Array(tasks.length);
    const queue: { chunk: number; start: number; attempts: number }[] = [];
    for (let start = 0, chunk = 0; start < tasks.length; start += perChunk, chunk++)
      queue.push({ chunk, start, attempts: 0 });
    let done = 0,
      pending = queue.length;
    return new Promise<Float64Array>((resolve, reject) => {
      let failed = false;
      const dispatch = (): void => {
        for (const slot of this.slots) {
          if (failed || !slot.worker || slot.busy || queue.length === 0) continue;
          const job = queue.shift()!;
          const jobTasks = tasks.slice(job.start, job.start + perChunk);
          slot.busy = {
            chunk: job.chunk,
            onDone: (r) => {
              if ('error' in r) {
                if (r.retry === true && ++job.attempts < MAX_ATTEMPTS) queue.unshift(job);
                else {
                  failed = true;
                  reject(
                    new Error(
                      `evaluation of tasks ${job.start}..${job.start + jobTasks.length - 1} failed: ${r.error}`,
                    ),
                  );
                  return;
                }
              } else {
                if (r.failures) this.opts.onFailures?.(r.failures);
                rewardsN.set(r.rewardsN, job.start);
                done += jobTasks.length;
                onProgress?.(done);
                if (--pending === 0) return resolve(rewardsN);
              }
              dispatch();
            },
          };
          const req: ChunkRequest = { chunk: job.chunk, thetaVersion, sigma, tasks: jobTasks };
          slot.worker.postMessage(req);
        }
      };
      if (pending === 0) resolve(rewardsN);
      else dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
  }
}

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

/** One evaluate call in progress. */
interface Call {
  readonly sigma: number;
  readonly thetaVersion: number;
  readonly rewardsN: Float64Array;
  done: number;
  pending: number;
  failed: boolean;
  readonly resolve: (rewardsN: Float64Array) => void;
  readonly reject: (e: Error) => void;
  readonly onProgress?: (done: number) => void;
}

/** A chunk of a call's tasks waiting for (or on) a worker. */
interface Job {
  readonly call: Call;
  readonly start: number;
  readonly tasks: readonly EsTask[];
  attempts: number;
}

/** What a pool's workers are started with, before the pool adds θ's shared memory. */
export type PoolWorkerData = Omit<PoolInit, 'thetaS' | 'exitOnChunk' | 'exitClaimSab'> &
  Record<string, unknown>;

export class PoolEvaluator implements Evaluator {
  private readonly slots: Slot[] = [];
  private readonly thetaS: Float32Array;
  private readonly init: PoolInit & Record<string, unknown>;
  private thetaVersion = 0;
  private readonly queue: Job[] = [];
  private nextChunk = 0;
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

  /** Hands queued jobs (of any evaluate call in progress) to idle workers, oldest first. */
  private dispatch(): void {
    if (this.failure && this.slots.every((s) => !s.worker)) {
      for (const { call } of this.queue.splice(0)) {
        if (call.failed) continue;
        call.failed = true;
        call.reject(new Error(`threads evaluator: ${this.failure}`));
      }
      return;
    }
    for (const slot of this.slots) {
      if (!slot.worker || slot.busy) continue;
      let job = this.queue.shift();
      while (job?.call.failed) job = this.queue.shift();
      if (!job) return;
      const j = job;
      const chunk = this.nextChunk++;
      slot.busy = { chunk, onDone: (r) => this.finish(j, r) };
      const req: ChunkRequest = {
        chunk,
        thetaVersion: j.call.thetaVersion,
        sigma: j.call.sigma,
        tasks: j.tasks,
      };
      slot.worker.postMessage(req);
    }
  }

  private finish(job: Job, r: ChunkResult): void {
    const call = job.call;
    if ('error' in r) {
      if (r.retry === true && ++job.attempts < MAX_ATTEMPTS) this.queue.unshift(job);
      else if (!call.failed) {
        call.failed = true;
        call.reject(
          new Error(
            `evaluation of tasks ${job.start}..${job.start + job.tasks.length - 1} failed: ${r.error}`,
          ),
        );
      }
    } else if (!call.failed) {
      if (r.failures) this.opts.onFailures?.(r.failures);
      call.rewardsN.set(r.rewardsN, job.start);
      call.done += job.tasks.length;
      call.onProgress?.(call.done);
      if (--call.pending === 0) call.resolve(call.rewardsN);
    }
    this.dispatch();
  }

  /**
   * Rewards of the tasks at θ, split into chunks over the workers. Calls may overlap (their chunks
   * share the workers, oldest first) as long as they evaluate the same θ: θ is one shared buffer.
   */
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
    return new Promise<Float64Array>((resolve, reject) => {
      const call: Call = {
        sigma,
        thetaVersion,
        rewardsN: new Float64Array(tasks.length),
        done: 0,
        pending: Math.ceil(tasks.length / perChunk),
        failed: false,
        resolve,
        reject,
        ...(onProgress ? { onProgress } : {}),
      };
      if (call.pending === 0) return resolve(call.rewardsN);
      for (let start = 0; start < tasks.length; start += perChunk)
        this.queue.push({ call, start, attempts: 0, tasks: tasks.slice(start, start + perChunk) });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
  }
}

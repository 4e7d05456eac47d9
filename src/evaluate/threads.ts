// The threads evaluator (the default): a worker_threads pool, one single-threaded ONNX Runtime
// session per worker, the noise table, training images and θ shared; dead workers are replaced.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Split } from '../data/index.ts';
import type { EsTask } from '../es/task.ts';
import type { Vec } from '../types.ts';
import { startWorker } from '../worker-thread.ts';
import type { Evaluator, TaskData } from './evaluator.ts';
import { defaultCopiesPerRun } from './local.ts';
import type { ChunkRequest, ChunkResult, WorkerInit } from './threads-protocol.ts';

export interface ThreadsOptions {
  /** Worker threads (default: every core). */
  readonly workers?: number;
  readonly copiesPerRun?: number;
  /** Tasks sent to a worker at a time (default 2 × copiesPerRun). */
  readonly tasksPerChunk?: number;
  /** Fault injection for tests: the first worker to receive this chunk number exits (once per evaluator). */
  readonly exitOnChunk?: number;
}

/** A retried chunk that keeps killing its workers is given up after this many attempts. */
const MAX_ATTEMPTS = 3;
const WORKER_URL = new URL('./worker.ts', import.meta.url);

/** Copies a split's arrays into SharedArrayBuffers (once), so every worker reads the same memory. */
export function sharedSplit(split: Split): Split {
  const images = new Float32Array(new SharedArrayBuffer(split.imagesNxHxW.byteLength));
  images.set(split.imagesNxHxW);
  const labels = new Int32Array(new SharedArrayBuffer(split.labelsN.byteLength));
  labels.set(split.labelsN);
  return { ...split, imagesNxHxW: images, labelsN: labels };
}

interface Slot {
  worker: Worker;
  busy?: { chunk: number; onDone: (r: ChunkResult) => void } | undefined;
}

export class ThreadsEvaluator implements Evaluator {
  private readonly slots: Slot[] = [];
  private readonly thetaS: Float32Array;
  private thetaVersion = 0;
  private closed = false;
  private readonly copiesPerRun: number;
  private readonly tasksPerChunk: number;

  /**
   * @param noiseTable must live in a SharedArrayBuffer (createNoiseTable(seed, size, new SharedArrayBuffer(4 * size)))
   * @param data its train split should be sharedSplit(...) so workers do not copy the images
   */
  constructor(
    model: string,
    private readonly params: number,
    noiseTable: Float32Array,
    data: TaskData,
    opts: ThreadsOptions = {},
  ) {
    if (!(noiseTable.buffer instanceof SharedArrayBuffer))
      throw new Error('ThreadsEvaluator: the noise table must be in a SharedArrayBuffer');
    this.thetaS = new Float32Array(new SharedArrayBuffer(params * 4));
    this.copiesPerRun = opts.copiesPerRun ?? defaultCopiesPerRun(params);
    this.tasksPerChunk = opts.tasksPerChunk ?? 2 * this.copiesPerRun;
    const shared =
      data.train.imagesNxHxW.buffer instanceof SharedArrayBuffer ? data.train : sharedSplit(data.train);
    this.init = {
      model,
      tableSab: noiseTable.buffer,
      thetaSab: this.thetaS.buffer as SharedArrayBuffer,
      imagesSab: shared.imagesNxHxW.buffer as SharedArrayBuffer,
      labelsSab: shared.labelsN.buffer as SharedArrayBuffer,
      count: shared.count,
      rows: shared.rows,
      cols: shared.cols,
      seed: data.seed,
      batchSize: data.batchSize,
      subsetSize: data.subsetSize,
      bucketSize: data.bucketSize,
      copiesPerRun: this.copiesPerRun,
      ...(opts.exitOnChunk === undefined
        ? {}
        : { exitOnChunk: opts.exitOnChunk, exitClaimSab: new SharedArrayBuffer(4) }),
    };
    const n = Math.max(1, opts.workers ?? availableParallelism());
    for (let i = 0; i < n; i++) this.slots.push({ worker: this.spawn() });
  }

  private readonly init: WorkerInit;

  /** Workers that died and were replaced so far. */
  restarts = 0;

  get workers(): number {
    return this.slots.length;
  }

  private spawn(): Worker {
    const worker = startWorker(WORKER_URL, { ...this.init });
    worker.unref();
    worker.on('message', (r: ChunkResult) => {
      const slot = this.slots.find((s) => s.worker === worker);
      const busy = slot?.busy;
      if (slot && busy && busy.chunk === r.chunk) {
        slot.busy = undefined;
        busy.onDone(r);
      }
    });
    const died = (why: string): void => {
      const slot = this.slots.find((s) => s.worker === worker);
      if (!slot || this.closed) return;
      const busy = slot.busy;
      slot.busy = undefined;
      this.restarts++;
      slot.worker = this.spawn(); // replace the dead worker
      busy?.onDone({ chunk: busy.chunk, error: `worker died (${why})`, retry: true });
    };
    worker.on('error', (e) => died(e.message));
    worker.on('exit', (code) => died(`exit code ${code}`));
    return worker;
  }

  async evaluate(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array> {
    if (thetaP.length !== this.params)
      throw new Error(`θ has ${thetaP.length} values, the model needs ${this.params}`);
    this.thetaS.set(thetaP);
    const thetaVersion = ++this.thetaVersion;
    const rewardsN = new Float64Array(tasks.length);
    const queue: { chunk: number; start: number; attempts: number }[] = [];
    for (let start = 0, chunk = 0; start < tasks.length; start += this.tasksPerChunk, chunk++)
      queue.push({ chunk, start, attempts: 0 });
    let done = 0,
      pending = queue.length;
    return new Promise<Float64Array>((resolve, reject) => {
      let failed = false;
      const dispatch = (): void => {
        for (const slot of this.slots) {
          if (failed || slot.busy || queue.length === 0) continue;
          const job = queue.shift()!;
          const jobTasks = tasks.slice(job.start, job.start + this.tasksPerChunk);
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
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

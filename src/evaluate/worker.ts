// A worker thread of the threads evaluator: one single-threaded ONNX Runtime session; the noise
// table, training images and θ are SharedArrayBuffers of the master, read without copies of them.
import { parentPort, workerData } from 'node:worker_threads';
import { Network } from '../backend/network.ts';
import { bucketLayout, windowLength } from '../es/buckets.ts';
import type { EsTask } from '../es/task.ts';
import { getArchitecture } from '../model/architecture.ts';
import { evaluateTasks } from './local.ts';
import type { ChunkRequest, ChunkResult, WorkerInit } from './threads-protocol.ts';

const init = workerData as WorkerInit;
const net = new Network(getArchitecture(init.model), { threads: 1 });
const P = net.size;
const tableS = new Float32Array(init.tableSab);
const thetaS = new Float32Array(init.thetaSab);
const data = {
  train: {
    imagesNxHxW: new Float32Array(init.imagesSab),
    labelsN: new Int32Array(init.labelsSab),
    count: init.count,
    rows: init.rows,
    cols: init.cols,
  },
  seed: init.seed,
  batchSize: init.batchSize,
  subsetSize: init.subsetSize,
  bucketSize: init.bucketSize,
};
const buckets = init.bucketSize > 0 ? bucketLayout(P, init.bucketSize) : undefined;
// ONNX Runtime rejects tensors over SharedArrayBuffers: θ and each distinct noise window of a chunk
// are copied (memcpy, not a JS loop) into this worker's own buffers.
const thetaP = new Float32Array(P);
let thetaVersion = -1;
let scratch = new Float32Array(0);

async function evaluate(req: ChunkRequest): Promise<Float64Array> {
  if (req.thetaVersion !== thetaVersion) {
    thetaP.set(thetaS);
    thetaVersion = req.thetaVersion;
  }
  // Each distinct noise window (P long, or a bucket's length) is copied once into `scratch`.
  const startOf = new Map<string, number>();
  let used = 0;
  for (const t of req.tasks) {
    const key = `${t.noiseOffset}:${t.bucket}`;
    if (!startOf.has(key)) {
      startOf.set(key, used);
      used += windowLength(buckets, t.bucket, P);
    }
  }
  if (scratch.length < used) scratch = new Float32Array(used);
  for (const t of req.tasks) {
    const at = startOf.get(`${t.noiseOffset}:${t.bucket}`)!;
    scratch.set(tableS.subarray(t.noiseOffset, t.noiseOffset + windowLength(buckets, t.bucket, P)), at);
  }
  const local = req.tasks.map(
    (t): EsTask => ({ ...t, noiseOffset: startOf.get(`${t.noiseOffset}:${t.bucket}`)! }),
  );
  return evaluateTasks(net, scratch, data, thetaP, req.sigma, local, init.copiesPerRun);
}

parentPort!.on('message', (req: ChunkRequest) => {
  if (
    req.chunk === init.exitOnChunk &&
    init.exitClaimSab &&
    Atomics.compareExchange(new Int32Array(init.exitClaimSab), 0, 0, 1) === 0
  ) {
    process.exit(3);
  }
  evaluate(req).then(
    (rewardsN) => parentPort!.postMessage({ chunk: req.chunk, rewardsN } satisfies ChunkResult),
    (e: unknown) =>
      parentPort!.postMessage({
        chunk: req.chunk,
        error: (e as Error)?.message ?? String(e),
      } satisfies ChunkResult),
  );
});

// A worker thread of the threads evaluator: opens the published model on one ONNX Runtime thread; the
// noise table, training images and θ are SharedArrayBuffers of the master, read without copies of them.
import { parentPort, workerData } from 'node:worker_threads';
import { openModel } from '../backend/source.ts';
import { bucketLayout, windowLength } from '../es/buckets.ts';
import { activeBucketSize } from '../es/index.ts';
import type { EsTask } from '../es/task.ts';
import { evaluateTasks } from './local.ts';
import type { ChunkRequest, WorkerInit } from './threads-protocol.ts';
import { serveChunks } from './worker-serve.ts';

const init = workerData as WorkerInit;
const net = openModel(init.source, { threads: 1 });
const P = net.size;
const data = { train: init.train, settings: init.settings };
const bucketSize = activeBucketSize(init.settings);
const buckets = bucketSize > 0 ? bucketLayout(P, bucketSize) : undefined;
// ONNX Runtime rejects tensors over SharedArrayBuffers: θ and each distinct noise window of a chunk
// are copied (memcpy, not a JS loop) into this worker's own buffers.
const thetaP = new Float32Array(P);
let thetaVersion = -1;
let scratch = new Float32Array(0);

async function evaluate(req: ChunkRequest): Promise<{ rewardsN: Float64Array }> {
  if (req.thetaVersion !== thetaVersion) {
    thetaP.set(init.thetaS);
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
    scratch.set(init.tableS.subarray(t.noiseOffset, t.noiseOffset + windowLength(buckets, t.bucket, P)), at);
  }
  const local = req.tasks.map(
    (t): EsTask => ({ ...t, noiseOffset: startOf.get(`${t.noiseOffset}:${t.bucket}`)! }),
  );
  return { rewardsN: await evaluateTasks(net, scratch, data, thetaP, req.sigma, local, init.copiesPerRun) };
}

serveChunks(parentPort!, init, evaluate);

// A worker thread of the rollout threads evaluator: rebuilds the task's environments and policy from
// the settings, and runs the rollouts of each chunk on the shared θ and filter (records into shared rows).
import { parentPort, workerData } from 'node:worker_threads';
import { prepareTask } from '../env/tasks.ts';
import { RolloutRunner } from './rollout.ts';
import type { RolloutWorkerInit } from './rollout-threads.ts';
import type { ChunkRequest } from './threads-protocol.ts';
import { serveChunks } from './worker-serve.ts';

const init = workerData as RolloutWorkerInit;
await prepareTask(init.rollout.task);
const runner = new RolloutRunner(init.rollout, init.settings, init.thetaS.length);
const O = runner.policy.observationSize;
const thetaP = new Float32Array(init.thetaS.length);
const filter = { meanO: new Float64Array(O), stdO: new Float64Array(O) };
let thetaVersion = -1;

async function evaluate(req: ChunkRequest) {
  if (req.thetaVersion !== thetaVersion) {
    thetaP.set(init.thetaS);
    filter.meanO.set(init.filterS.subarray(0, O));
    filter.stdO.set(init.filterS.subarray(O, 2 * O));
    thetaVersion = req.thetaVersion;
  }
  let count = 0;
  let first = '';
  const rewardsN = runner.run(init.tableS, thetaP, req.sigma, req.tasks, filter, init.recordsS, (m, n) => {
    if (count === 0) first = m;
    count += n;
  });
  return count > 0 ? { rewardsN, failures: { count, first } } : { rewardsN };
}

serveChunks(parentPort!, init, evaluate);

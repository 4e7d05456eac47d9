// A worker thread of the objective threads evaluator: imports the user's module itself, refuses it when
// its sha256 differs from the master's, and evaluates chunks of tasks on the shared noise table and θ.
import { parentPort, workerData } from 'node:worker_threads';
import { loadObjective } from './objective.ts';
import { evaluateObjectiveTasks } from './objective-local.ts';
import type { ChunkRequest, ObjectiveWorkerInit } from './threads-protocol.ts';
import { serveChunks } from './worker-serve.ts';

const init = workerData as ObjectiveWorkerInit;
const module = await loadObjective(init.path);
if (module.hash !== init.hash)
  throw new Error(
    `${init.path} changed: sha256 ${module.hash.slice(0, 12)}… here, ${init.hash.slice(0, 12)}… at the master`,
  );
const objective = { fn: module.fn, direction: init.direction };
const thetaP = new Float32Array(init.thetaS.length);
let thetaVersion = -1;

async function evaluate(req: ChunkRequest) {
  if (req.thetaVersion !== thetaVersion) {
    thetaP.set(init.thetaS);
    thetaVersion = req.thetaVersion;
  }
  let count = 0;
  let first = '';
  const rewardsN = await evaluateObjectiveTasks(
    objective,
    init.tableS,
    init.settings,
    thetaP,
    req.sigma,
    req.tasks,
    (m) => {
      if (count++ === 0) first = m;
    },
  );
  return count > 0 ? { rewardsN, failures: { count, first } } : { rewardsN };
}

serveChunks(parentPort!, init, evaluate);

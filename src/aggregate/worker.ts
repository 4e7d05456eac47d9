// A worker thread of the aggregation pool (pool.ts): receives a phase (task + control
// block), claims and runs units until none are left, then counts itself done and wakes the caller.

import { parentPort, workerData } from 'node:worker_threads';
import {
  CTRL_DONE,
  CTRL_FAILED,
  drainUnits,
  type Task,
  taskRunner,
  taskUnits,
  UnitContext,
} from './tasks.ts';

interface PhaseMessage {
  readonly ctrl: SharedArrayBuffer;
  readonly task: Task;
}

const data = workerData as { ready: SharedArrayBuffer; slot: number };
const ctx = new UnitContext(data.slot);
const ready = new Int32Array(data.ready);

parentPort!.on('message', (m: PhaseMessage) => {
  const ctrl = new Int32Array(m.ctrl);
  try {
    drainUnits(ctrl, taskUnits(m.task), taskRunner(m.task, ctx));
  } catch (e) {
    Atomics.add(ctrl, CTRL_FAILED, 1);
    process.stderr.write(
      `esgrad aggregate worker: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
  }
  Atomics.add(ctrl, CTRL_DONE, 1);
  Atomics.notify(ctrl, CTRL_DONE);
});

Atomics.add(ready, 0, 1);
Atomics.notify(ready, 0);

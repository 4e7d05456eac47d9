// The control tasks esgrad knows by name (`esgrad train --task NAME`): name -> environment factory.
// Classic control is built in; other families (MuJoCo) add their entries here.
import { UsageError } from '../types.ts';
import { acrobot } from './classic/acrobot.ts';
import { cartpole } from './classic/cartpole.ts';
import { type ClassicDynamics, ClassicEnv } from './classic/classic-env.ts';
import { mountainCarContinuous } from './classic/mountain-car-continuous.ts';
import { pendulum } from './classic/pendulum.ts';
import type { EnvFactory } from './env.ts';
import {
  isMujocoTask,
  loadedMujocoTaskFactory,
  MUJOCO_PACKAGE,
  MUJOCO_TASKS,
  mujocoTaskFactory,
} from './mujoco/tasks.ts';

const classic =
  (d: ClassicDynamics): EnvFactory =>
  (options) =>
    new ClassicEnv(d, options);

/** A MuJoCo task's factory: its envs can be made once prepareTask has loaded MuJoCo in the thread. */
const mujoco =
  (nameOrFile: string): EnvFactory =>
  (options) =>
    loadedMujocoTaskFactory(nameOrFile)(options);

/** The classic-control tasks by name (nothing to load first). */
export const TASKS: Readonly<Record<string, EnvFactory>> = {
  cartpole: classic(cartpole),
  acrobot: classic(acrobot),
  pendulum: classic(pendulum),
  'mountain-car-continuous': classic(mountainCarContinuous),
};

/** Every task name: classic control, then MuJoCo's built-in tasks (see prepareTask). */
export const TASK_NAMES: readonly string[] = [...Object.keys(TASKS), ...Object.keys(MUJOCO_TASKS)];

/**
 * Loads what a task's environments need, once per thread, before taskFactory's envs are made: the
 * MuJoCo WebAssembly module, and a MuJoCo task file (read, compiled, checked: a bad one is a
 * UsageError here). Nothing for classic control.
 */
export async function prepareTask(name: string): Promise<void> {
  if (isMujocoTask(name)) await mujocoTaskFactory(name);
}

/** Packages a worker thread running the task should import first (src/worker-thread.mjs's preload). */
export const taskPreload = (name: string): string[] => (isMujocoTask(name) ? [MUJOCO_PACKAGE] : []);

/** The factory of a task (a name, or a MuJoCo task file *.json), or a one-line UsageError listing the known names. */
export function taskFactory(name: string): EnvFactory {
  const f = Object.hasOwn(TASKS, name) ? TASKS[name] : isMujocoTask(name) ? mujoco(name) : undefined;
  if (!f)
    throw new UsageError(`--task ${JSON.stringify(name)} is not a task; known: ${TASK_NAMES.join(', ')}`);
  return f;
}

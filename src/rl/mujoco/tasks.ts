// The MuJoCo tasks esgrad ships, by name, and the one way in for a name or a user's task file: an
// EnvFactory once the WebAssembly module is loaded and the model has compiled and been checked.
import type { EnvFactory } from '../env.ts';
import { mujocoEnvFactory } from './mujoco-env.ts';
import { PLANAR_HOPPER } from './planar-hopper.ts';
import { type MujocoTask, readTaskFile } from './task-spec.ts';
import { loadMujoco } from './wasm.ts';

export const MUJOCO_TASKS: Readonly<Record<string, MujocoTask>> = { 'planar-hopper': PLANAR_HOPPER };

/** A built-in task's name, or else a path to a task file (JSON). */
export const isMujocoTask = (nameOrFile: string): boolean =>
  Object.hasOwn(MUJOCO_TASKS, nameOrFile) || nameOrFile.endsWith('.json');

/**
 * Loads the module, reads the task (built-in or file), and compiles and checks its model once, so a bad
 * file or name is a UsageError here rather than in the middle of a run.
 */
export async function mujocoTaskFactory(nameOrFile: string): Promise<EnvFactory> {
  const task = Object.hasOwn(MUJOCO_TASKS, nameOrFile) ? MUJOCO_TASKS[nameOrFile]! : readTaskFile(nameOrFile);
  const factory = mujocoEnvFactory(await loadMujoco(), task);
  factory().close();
  return factory;
}

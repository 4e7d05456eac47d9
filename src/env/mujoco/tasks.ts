// The MuJoCo tasks esgrad ships, by name, and the one way in for a name or a user's task file: an
// EnvFactory once the WebAssembly module is loaded and the model has compiled and been checked.
import type { EnvFactory } from '../env.ts';
import { mujocoEnvFactory } from './mujoco-env.ts';
import { PLANAR_HOPPER } from './planar-hopper.ts';
import { type MujocoTask, readTaskFile } from './task-spec.ts';
import { loadedMujoco, loadMujoco } from './wasm.ts';

export const MUJOCO_TASKS: Readonly<Record<string, MujocoTask>> = { 'planar-hopper': PLANAR_HOPPER };

/** The package a thread that runs MuJoCo tasks imports (worker threads load it before tsx). */
export const MUJOCO_PACKAGE = 'mujoco-js';

/** A built-in task's name, or else a path to a task file (JSON). */
export const isMujocoTask = (nameOrFile: string): boolean =>
  Object.hasOwn(MUJOCO_TASKS, nameOrFile) || nameOrFile.endsWith('.json');

/** Tasks read in this thread, by name or file (a file is read once). */
const read = new Map<string, MujocoTask>();

function taskOf(nameOrFile: string): MujocoTask {
  let task = read.get(nameOrFile);
  if (!task) {
    task = Object.hasOwn(MUJOCO_TASKS, nameOrFile) ? MUJOCO_TASKS[nameOrFile]! : readTaskFile(nameOrFile);
    read.set(nameOrFile, task);
  }
  return task;
}

/** Factories whose model compiled and passed the checks in this thread. */
const checked = new Map<string, EnvFactory>();

/**
 * The task's factory once loadMujoco() has resolved in this thread (synchronous, for registries that
 * build envs on demand). The task (built-in or file) is read, and its model compiled and checked, on
 * the first call, so a bad file or name is a UsageError there rather than in the middle of a run.
 */
export function loadedMujocoTaskFactory(nameOrFile: string): EnvFactory {
  let factory = checked.get(nameOrFile);
  if (!factory) {
    factory = mujocoEnvFactory(loadedMujoco(), taskOf(nameOrFile));
    factory().close();
    checked.set(nameOrFile, factory);
  }
  return factory;
}

/**
 * Reads the task first (a bad task file is refused without the 1-2 s load), loads the module (once
 * per thread), then as loadedMujocoTaskFactory.
 */
export async function mujocoTaskFactory(nameOrFile: string): Promise<EnvFactory> {
  taskOf(nameOrFile);
  await loadMujoco();
  return loadedMujocoTaskFactory(nameOrFile);
}

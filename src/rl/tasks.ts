// The control tasks esgrad knows by name (`esgrad train --task NAME`): name -> environment factory.
// Classic control is built in; other families (MuJoCo) add their entries here.
import { UsageError } from '../types.ts';
import { acrobot } from './classic/acrobot.ts';
import { cartpole } from './classic/cartpole.ts';
import { type ClassicDynamics, ClassicEnv } from './classic/classic-env.ts';
import { mountainCarContinuous } from './classic/mountain-car-continuous.ts';
import { pendulum } from './classic/pendulum.ts';
import type { EnvFactory } from './env.ts';

const classic =
  (d: ClassicDynamics): EnvFactory =>
  (options) =>
    new ClassicEnv(d, options);

/** Every task by name. */
export const TASKS: Readonly<Record<string, EnvFactory>> = {
  cartpole: classic(cartpole),
  acrobot: classic(acrobot),
  pendulum: classic(pendulum),
  'mountain-car-continuous': classic(mountainCarContinuous),
};

export const TASK_NAMES: readonly string[] = Object.keys(TASKS);

/** The factory of a task, or a one-line UsageError listing the known names. */
export function taskFactory(name: string): EnvFactory {
  const f = Object.hasOwn(TASKS, name) ? TASKS[name] : undefined;
  if (!f)
    throw new UsageError(`--task ${JSON.stringify(name)} is not a task; known: ${TASK_NAMES.join(', ')}`);
  return f;
}

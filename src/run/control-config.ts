// The settings of a control-task run (`esgrad train --task NAME`): the shared step and ES fields of
// es/config.ts with defaults fit for RL (Salimans et al. 2017), and the rollout's own fields. One schema.
import { z } from 'zod';
import { isMujocoTask } from '../env/mujoco/tasks.ts';
import { TASK_NAMES } from '../env/tasks.ts';
import { checkEsFields, esFields, stepFields } from '../es/config.ts';
import { type FieldNamer, parseOrUsageError } from '../optim/index.ts';
import { UsageError } from '../types.ts';
import { closestName } from './did-you-mean.ts';

const positiveInt = z.number().int().positive();

export const controlConfigSchema = z
  .object({
    task: z.string().min(1), // a control task: cartpole, acrobot, pendulum, mountain-car-continuous, planar-hopper, or a MuJoCo task file (.json)
    iters: positiveInt.default(100), // ES iterations
    hidden: z.array(positiveInt).max(8).default([32, 32]), // tanh hidden layer widths of the MLP policy
    episodesPerOffspring: positiveInt.default(1), // episodes per offspring; fitness = their mean return
    maxSteps: z.number().int().min(0).default(0), // episode step limit (0: the task's own, e.g. 500 for cartpole)
    sharedEpisodes: z.boolean().default(false), // every offspring of an iteration meets the same initial states (else each mirrored pair its own)
    obsStatsFraction: z.number().min(0).max(1).default(0.01), // share of rollouts whose observations update the normalisation (the starter: 0.01)
    evalEvery: positiveInt.default(10), // noiseless evaluation of θ every k iterations (and at the end)
    evalEpisodes: positiveInt.default(10), // episodes of each noiseless evaluation (fixed seeds)
    evaluator: z.enum(['threads', 'local', 'redis']).default('threads'), // rollouts on a worker_threads pool, in-process, or on esgrad workers through Redis (--redis URL)
    workers: z.number().int().min(0).default(0), // worker threads of the threads evaluator (0 = all cores)
    threads: z.number().int().min(0).default(0), // threads of the gradient aggregation (0 = all cores)
    checkpointEvery: z.number().int().min(0).default(0), // write <out>/checkpoint.bin every k iterations (0: only on Ctrl-C, SIGTERM or a failure)
    seed: stepFields.seed,
    optimizer: stepFields.optimizer,
    lr: stepFields.lr.default(0.03), // Adam's step on θ
    l2: stepFields.l2, // L2 coefficient (Salimans et al. use 0.005 on MuJoCo)
    population: esFields.population.default(100), // evaluations per iteration, mirrored pairs count 2
    sigma: esFields.sigma.default(0.1), // perturbation std
    mirrored: esFields.mirrored,
    fitness: esFields.fitness.default('centered-ranks'), // Salimans et al.: centered ranks
    noiseTableSize: esFields.noiseTableSize,
    out: z.string().optional(), // run directory (default runs/es-<task>-s<seed>-<time>)
  })
  .strict();

export type ControlConfig = z.output<typeof controlConfigSchema>;
export type ControlConfigInput = z.input<typeof controlConfigSchema>;

/** Every default, for help texts. */
export const CONTROL_DEFAULTS = controlConfigSchema.parse({ task: 'cartpole' });

/** Refuses keys the schema does not know ("did you mean"), and names the MNIST fields that do not apply. */
function checkKnownKeys(value: unknown, name: FieldNamer): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const known = Object.keys(controlConfigSchema.shape);
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length === 0) return;
  const hints = unknown.map((k) => {
    const near = closestName(k, known);
    return `${name([k])}${near === undefined ? '' : ` (did you mean ${name([near])}?)`}`;
  });
  throw new UsageError(`--task runs take no ${hints.join(', ')}`);
}

/** Validates a control run's settings; errors name fields by `name` (the CLI names flags). */
export function parseControlConfig(
  value: unknown,
  name: FieldNamer = (path) => path.join('.'),
): ControlConfig {
  checkKnownKeys(value, name);
  const config = parseOrUsageError(controlConfigSchema, value, name);
  if (!TASK_NAMES.includes(config.task) && !isMujocoTask(config.task)) {
    const near = closestName(config.task, TASK_NAMES);
    throw new UsageError(
      `${name(['task'])}: got ${JSON.stringify(config.task)}; ${near ? `did you mean ${near}? ` : ''}known: ${TASK_NAMES.join(', ')}, or a MuJoCo task file (.json)`,
    );
  }
  if (config.evaluator === 'redis' && !TASK_NAMES.includes(config.task))
    throw new UsageError(
      `${name(['task'])} ${config.task}: a task file cannot run on Redis workers (they build tasks by name: ${TASK_NAMES.join(', ')}); use ${name(['evaluator'])} threads or local`,
    );
  checkEsFields({ ...config, ...esFieldsDefaults, noMinibatch: !config.sharedEpisodes }, name);
  return config;
}

const esFieldsDefaults = {
  batch: 1,
  limited: false,
  bucketSize: 1,
  noMinibatch: true,
  subsetSize: 1,
} as const;

/**
 * The ES settings of the strategy. The environment seed of a task is its dataSeed: with noMinibatch
 * each mirrored pair has its own; without, tasks carry none and all share the iteration's seed.
 */
export function controlEsSettings(c: ControlConfig) {
  return {
    seed: c.seed,
    optimizer: c.optimizer,
    lr: c.lr,
    l2: c.l2,
    population: c.population,
    sigma: c.sigma,
    mirrored: c.mirrored,
    fitness: c.fitness,
    ...(c.noiseTableSize === undefined ? {} : { noiseTableSize: c.noiseTableSize }),
    ...esFieldsDefaults,
    noMinibatch: !c.sharedEpisodes,
  };
}

// The one schema of a run's settings (nanoGPT style: every default listed and commented): the fields
// SGD, ES and the proxy share, ES's own, and the cross-field checks; bad values become one-line UsageErrors.

import { z } from 'zod';
import {
  DEFAULT_OPTIMIZER,
  type FieldNamer,
  type OptimizerConfig,
  parseOrUsageError,
} from '../optim/config.ts';
import { DEFAULT_NOISE_TABLE_SIZE } from '../rng/noise-table.ts';
import { UsageError } from '../types.ts';

const positiveInt = z.number().int().positive();

/** Settings of every algorithm (SGD, ES, the proxy): the seed, the mini-batch and the optimizer. */
export const stepFields = {
  // one seed drives init, mini-batches and noise; ES hashes it as a 32-bit integer
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(0),
  batch: positiveInt.default(50), // mini-batch size (the paper: 50); ES evaluates every offspring on it
  optimizer: z.enum(['adam', 'sgd']).default('adam'), // the paper: Adam (TF's betas 0.9, 0.999, eps 1e-8)
  lr: z.number().positive().finite().default(0.001), // the paper: fixed learning rate 0.001
  l2: z.number().min(0).finite().default(0), // L2 coefficient: adds l2·θ to the loss gradient (sec. 4.3: 0.0002)
};

/** ES's own settings. */
export const esFields = {
  population: z.number().int().min(2).default(10_000), // N evaluations per iteration; a mirrored pair counts 2 (sec. 4)
  sigma: z.number().positive().finite().default(0.002), // perturbation std of θ + σ·ε (the paper: 0.002)
  mirrored: z.boolean().default(true), // antithetic pairs (ε, −ε) sharing one noise offset, as in OpenAI's starter
  fitness: z.enum(['raw', 'centered-ranks']).default('raw'), // the paper uses raw rewards on MNIST (sec. 3)
  // floats in the shared noise table, >= P; default: 2^25 (128 MiB), or 1,024·P rounded up to a power of 2 when smaller
  noiseTableSize: positiveInt.optional(),
  limited: z.boolean().default(false), // limited perturbation (sec. 4.1): each offspring perturbs one bucket
  bucketSize: positiveInt.default(5000), // with limited: parameters per bucket, at most (the paper: 5,000)
  noMinibatch: z.boolean().default(false), // no-mini-batch ES (sec. 4.2): each offspring evaluates on its own subset
  subsetSize: positiveInt.default(50), // with noMinibatch: images in each offspring's subset (the paper's batch)
};

export const esConfigSchema = z.object({ ...stepFields, ...esFields }).strict();

/** A validated ES config; the noise table's size is known once P is (see resolveNoiseTableSize). */
export type EsSettings = z.output<typeof esConfigSchema>;
/** A complete ES config with every field present, as the strategy's state holds it. */
export type EsConfig = EsSettings & { readonly noiseTableSize: number };
/** What a user may write: any subset of the fields. */
export type EsConfigInput = z.input<typeof esConfigSchema>;

/** The defaults, for printing and for tests. */
export const DEFAULT_ES_CONFIG: EsSettings = esConfigSchema.parse({});

/**
 * The default noise table for P parameters: 2^25 floats (128 MiB, see rng/noise-table.ts) for
 * P >= 16,385 (the built-in networks), else 1,024·P rounded up to a power of 2, so 100 parameters get
 * 512 KiB and still ~1,000·P distinct windows.
 */
export function defaultNoiseTableSize(P: number): number {
  return Math.min(DEFAULT_NOISE_TABLE_SIZE, 2 ** Math.ceil(Math.log2(Math.max(1, P) * 1024)));
}

/** The config's table size, or the default for P. */
export function resolveNoiseTableSize(
  config: { readonly noiseTableSize?: number | undefined },
  P: number,
): number {
  return config.noiseTableSize ?? defaultNoiseTableSize(P);
}

/** The optimizer the settings name (Adam with TF's betas, or plain SGD) at their learning rate. */
export function optimizerConfig(config: {
  readonly optimizer: 'adam' | 'sgd';
  readonly lr: number;
}): OptimizerConfig {
  return config.optimizer === 'adam'
    ? { ...DEFAULT_OPTIMIZER, lr: config.lr }
    : { name: 'sgd', lr: config.lr };
}

/** The bucket size the evaluators and the estimate use: S with limited perturbation, else 0 (all of θ). */
export function activeBucketSize(config: { readonly limited: boolean; readonly bucketSize: number }): number {
  return config.limited ? config.bucketSize : 0;
}

/** The checks that involve several fields, with the same naming of fields as the schema's errors. */
export function checkEsFields(config: EsSettings, name: FieldNamer): void {
  if (config.mirrored && config.population % 2 !== 0) {
    throw new UsageError(
      `${name(['population'])}: got ${config.population}; must be even with mirrored sampling (N counts both members of each pair)`,
    );
  }
}

/**
 * Validates a user config and fills in defaults. Throws a UsageError naming the field as the user
 * wrote it (`name`; default "es.<field>"), the value and what is allowed.
 */
export function parseEsConfig(input: unknown, name?: FieldNamer): EsSettings {
  const namer = name ?? ((path) => ['es', ...path].join('.'));
  const config = parseOrUsageError(esConfigSchema, input ?? {}, namer);
  checkEsFields(config, namer);
  return config;
}

/** The ES settings inside a larger config (a training run's), for the strategy's state. */
export function esSettingsOf(config: EsSettings): EsSettings {
  const keys = Object.keys(esConfigSchema.shape) as (keyof EsSettings)[];
  return Object.fromEntries(
    keys.filter((k) => config[k] !== undefined).map((k) => [k, config[k]]),
  ) as EsSettings;
}

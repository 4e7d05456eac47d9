// Every setting of the OpenAI-ES strategy with its default (nanoGPT style), the zod schema that
// validates a user's config, and the cross-field checks; bad values become one-line UsageErrors.

import { z } from 'zod';
import { DEFAULT_OPTIMIZER, optimizerConfigSchema, parseOrUsageError } from '../optim/config.ts';
import { DEFAULT_NOISE_TABLE_SIZE } from '../rng/noise-table.ts';
import { UsageError } from '../types.ts';

export const esConfigSchema = z
  .object({
    // N: evaluations per generation; a mirrored pair counts 2 (the paper's N = 10,000 in sec. 4)
    populationSize: z.number().int().min(2).default(10_000),
    // sigma: std of the perturbation theta + sigma * eps; the paper fixes 0.002 (sec. 4)
    sigma: z.number().positive().finite().default(0.002),
    // antithetic pairs (eps, -eps) sharing one noise offset, as in OpenAI's starter; N must be even
    mirrored: z.boolean().default(true),
    // 'raw': rewards as they are (the paper, sec. 3); 'centered-ranks': ranks scaled to [-0.5, 0.5]
    fitnessShaping: z.enum(['raw', 'centered-ranks']).default('raw'),
    // floats in the shared noise table (2**25 = 128 MiB, see rng/noise-table.ts); must be >= P
    noiseTableSize: z.number().int().positive().default(DEFAULT_NOISE_TABLE_SIZE),
    // seeds the noise table and every generation's offsets
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0),
    // optimizer applied to the ES gradient: Adam lr 0.001 (the paper), or { name: 'sgd', lr }
    optimizer: optimizerConfigSchema.default(DEFAULT_OPTIMIZER),
    // L2 coefficient: adds l2 * theta to the loss gradient (0.5 * l2 * |theta|^2); paper sec. 4.3: 0.0002
    l2: z.number().min(0).finite().default(0),
    // limited perturbation (sec. 4.1): 0 perturbs all of theta; S > 0 perturbs one random bucket of <= S parameters (paper: 5,000)
    bucketSize: z.number().int().min(0).default(0),
    // no-mini-batch ES (sec. 4.2): every offspring (a mirrored pair shares one) evaluates on its own random subset
    noMinibatch: z.boolean().default(false),
    // size of each offspring's subset with noMinibatch (the paper's mini-batch size, 50)
    subsetSize: z.number().int().positive().default(50),
  })
  .strict();

/** A complete, validated ES config (every field present). */
export type EsConfig = z.output<typeof esConfigSchema>;
/** What a user may write: any subset of the fields. */
export type EsConfigInput = z.input<typeof esConfigSchema>;

/** The defaults, for printing and for tests. */
export const DEFAULT_ES_CONFIG: EsConfig = esConfigSchema.parse({});

/**
 * Validates a user config and fills in defaults. Throws a UsageError naming the field, the value and
 * what is allowed (e.g. "es.sigma: got -1; Too small: expected number to be >0").
 */
export function parseEsConfig(input: unknown): EsConfig {
  const config = parseOrUsageError(esConfigSchema, input ?? {}, 'es');
  if (config.mirrored && config.populationSize % 2 !== 0) {
    throw new UsageError(
      `es.populationSize: got ${config.populationSize}; must be even when es.mirrored is true (N counts both members of each pair)`,
    );
  }
  return config;
}

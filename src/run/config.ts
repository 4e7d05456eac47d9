// The configuration of a training run: one zod schema with every default listed and commented
// (the paper's settings), shared by `esgrad train` flags and `--config run.json` files.
import { z } from 'zod';
import { listDatasets } from '../data/index.ts';
import { listArchitectures } from '../model/architecture.ts';
import { parseOrUsageError } from '../optim/index.ts';
import { DEFAULT_NOISE_TABLE_SIZE } from '../rng/noise-table.ts';

const positiveInt = z.number().int().positive();

export const trainConfigSchema = z
  .object({
    algo: z.enum(['sgd', 'es', 'proxy']).default('sgd'), // backprop (SGD), the OpenAI-ES estimate, or the ES proxy (SGD + noise)
    model: z
      .string()
      .refine((m) => listArchitectures().includes(m), {
        message: `allowed: ${listArchitectures().join(', ')}`,
      })
      .default('cnn-3m'),
    dataset: z
      .string()
      .refine((d) => listDatasets().includes(d), { message: `allowed: ${listDatasets().join(', ')}` })
      .default('mnist'),
    iters: positiveInt.default(2000), // the paper's runs: 2,000 iterations
    batch: positiveInt.default(50), // mini-batch size (the paper: 50)
    optimizer: z.enum(['adam', 'sgd']).default('adam'), // the paper: Adam
    lr: z.number().positive().default(0.001), // the paper: fixed learning rate 0.001
    l2: z.number().min(0).default(0), // L2 weight decay coefficient (section 4.3 uses 0.0002)
    evalEvery: positiveInt.default(100), // test-set accuracy every k iterations (and at the end)
    seed: z.number().int().min(0).default(0), // one seed drives init, mini-batches and noise
    threads: z.number().int().min(0).default(0), // ONNX Runtime intra-op threads of the master (0 = all cores)
    evaluator: z.enum(['threads', 'local', 'redis']).default('threads'), // ES offspring on a worker_threads pool, in-process, or on `esgrad worker`s through Redis (--redis URL)
    workers: z.number().int().min(0).default(0), // worker threads of the threads evaluator (0 = all cores)
    // ES only
    population: positiveInt.default(10_000), // N evaluations per iteration (mirrored pairs count 2)
    sigma: z.number().positive().default(0.002), // perturbation std (the paper: 0.002)
    mirrored: z.boolean().default(true), // antithetic pairs, as in OpenAI's starter
    fitness: z.enum(['raw', 'centered-ranks']).default('raw'), // the paper uses raw rewards on MNIST
    noiseTableSize: positiveInt.default(DEFAULT_NOISE_TABLE_SIZE), // floats in the shared noise table (128 MiB)
    limited: z.boolean().default(false), // limited-perturbation ES: each offspring perturbs one bucket (section 4.1)
    bucketSize: positiveInt.default(5000), // with limited: parameters per bucket, at most (the paper: 5,000)
    noMinibatch: z.boolean().default(false), // no-mini-batch ES: each offspring evaluates on its own random subset (section 4.2)
    subsetSize: positiveInt.default(50), // with noMinibatch: images in each offspring's subset (default: the paper's batch, 50)
    targetCorr: z.number().gt(0).max(1).default(0.039), // proxy: correlation of its gradient with the true one (paper: ES's 3.9%)
    corrEvery: z.number().int().min(0).default(0), // ρ(g_ES, g_True) every k iterations (0: never)
    checkpointEvery: z.number().int().min(0).default(0), // write <out>/checkpoint.bin every k iterations (0: only on Ctrl-C or a failure)
    out: z.string().optional(), // run directory (default runs/<algo>-<model>-s<seed>-<time>)
    dataDir: z.string().optional(), // else ESGRAD_DATA_DIR, else the download cache
  })
  .strict();

export type TrainConfig = z.output<typeof trainConfigSchema>;

export function parseTrainConfig(value: unknown): TrainConfig {
  return parseOrUsageError(trainConfigSchema, value, '');
}

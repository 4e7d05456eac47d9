// The configuration of a training run: the run's own fields plus the shared step and ES fields of
// es/config.ts (one schema), used by `esgrad train` flags, `--config run.json` files and the library.
import { z } from 'zod';
import { checkEsFields, esFields, stepFields } from '../es/config.ts';
import { type FieldNamer, parseOrUsageError } from '../optim/index.ts';
import { UsageError } from '../types.ts';
import { closestName } from './did-you-mean.ts';

const positiveInt = z.number().int().positive();

export const trainConfigSchema = z
  .object({
    algo: z.enum(['sgd', 'es', 'proxy']).default('sgd'), // backprop (SGD), the OpenAI-ES estimate, or the ES proxy (SGD + noise)
    model: z.string().min(1).default('cnn-3m'), // a built-in name (cnn-3m, cnn-29k, mlp), a spec net.json or a model.onnx
    loss: z.enum(['cross-entropy', 'mse']).optional(), // an ONNX model's loss (default cross-entropy); a spec's own "loss" field otherwise
    dataset: z.string().min(1).default('mnist'), // mnist, fashion-mnist, or a directory of IDX / .npy files
    iters: positiveInt.default(2000), // the paper's runs: 2,000 iterations
    evalEvery: positiveInt.default(100), // test-set accuracy every k iterations (and at the end)
    evalSubset: z.number().int().min(0).default(0), // those evaluations on the first N test images only (subsetTestAccuracy), the full test set once at the end (0: the full set every time)
    threads: z.number().int().min(0).default(0), // ONNX Runtime intra-op threads of the master (0 = all cores)
    evaluator: z.enum(['threads', 'local', 'redis']).default('threads'), // ES offspring on a worker_threads pool, in-process, or on `esgrad worker`s through Redis (--redis URL)
    workers: z.number().int().min(0).default(0), // worker threads of the threads evaluator (0 = all cores)
    replay: z.boolean().default(false), // redis evaluator: workers rebuild θ from each round's rewards (tell() as the master does), checked by θ's sha256; θ is sent only to a worker that joins late or differs
    ...stepFields,
    ...esFields,
    targetCorr: z.number().gt(0).max(1).default(0.039), // proxy: correlation of its gradient with the true one (paper: ES's 3.9%)
    corrEvery: z.number().int().min(0).default(0), // ρ(g_ES, g_True) every k iterations (0: never)
    sgdVsSgdEvery: z.number().int().min(0).default(0), // the paper's SGD-vs-SGD reference along any run: ρ between the gradients of two independent mini-batches at θ_t, every k iterations (0: never)
    checkpointEvery: z.number().int().min(0).default(0), // write <out>/checkpoint.bin every k iterations (0: only on Ctrl-C or a failure)
    keepBest: z.boolean().default(false), // also write <out>/model-best.onnx and theta-best.safetensors: θ at the best test accuracy
    out: z.string().optional(), // run directory (default runs/<algo>-<model>-s<seed>-<time>)
    dataDir: z.string().optional(), // else ESGRAD_DATA_DIR, else the download cache
    tensorboard: z.boolean().default(false), // also write TensorBoard event files into <out>/tensorboard/
  })
  .strict();

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** The command-line flag of a config key: noiseTableSize -> --noise-table-size. */
export const flag = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Names a field as the user gave it: the flag when typed on the command line, the key and file when
 * it came from a config file, else the key (library callers).
 */
export function userFieldNamer(
  typed: Readonly<Record<string, unknown>>,
  file?: { readonly path: string; readonly value: Readonly<Record<string, unknown>> },
): FieldNamer {
  return (path) => {
    const key = path[0];
    if (key === undefined) return file ? file.path : '';
    if (key in typed) return flag(key);
    if (file && key in file.value) return `${path.join('.')} (in ${file.path})`;
    return path.join('.');
  };
}

/** Refuses a key the schema does not know, suggesting the closest one ("did you mean"). */
function checkKnownKeys(value: unknown, name: FieldNamer): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const known = Object.keys(trainConfigSchema.shape);
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length === 0) return;
  const where = name([]);
  const hints = unknown.map((k) => {
    const near = closestName(k, known);
    return `${JSON.stringify(k)}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}`;
  });
  throw new UsageError(`${where === '' ? '' : `${where}: `}unknown field(s) ${hints.join(', ')}`);
}

/** Validates a run's settings; errors name fields by `name` (the CLI names flags and config keys). */
export function parseTrainConfig(value: unknown, name: FieldNamer = (path) => path.join('.')): TrainConfig {
  checkKnownKeys(value, name);
  const config = parseOrUsageError(trainConfigSchema, value, name);
  checkEsFields(config, name);
  return config;
}

/** Settings only some algorithms read, and which: any other would ignore them without a word. */
const ALGO_FIELDS: Readonly<Partial<Record<keyof TrainConfig, readonly TrainConfig['algo'][]>>> = {
  population: ['es'],
  sigma: ['es'],
  mirrored: ['es'],
  fitness: ['es'],
  limited: ['es'],
  bucketSize: ['es'],
  noMinibatch: ['es'],
  subsetSize: ['es'],
  evaluator: ['es'],
  workers: ['es'],
  replay: ['es'],
  noiseTableSize: ['es', 'proxy'],
  targetCorr: ['proxy'],
};

/**
 * Refuses settings the user gave (`given`: the keys typed or written in a config file) that `algo`
 * does not read, e.g. --sigma with --algo sgd, instead of running without them.
 */
export function checkAlgoFields(algo: TrainConfig['algo'], given: Iterable<string>, name: FieldNamer): void {
  const unread = [...new Set(given)].filter((k) => {
    const algos = ALGO_FIELDS[k as keyof TrainConfig];
    return algos !== undefined && !algos.includes(algo);
  });
  if (unread.length === 0) return;
  const uses = unread.map((k) => `${name([k])} (${ALGO_FIELDS[k as keyof TrainConfig]!.join(' or ')} only)`);
  throw new UsageError(
    `--algo ${algo} does not use ${uses.join(', ')}: remove ${unread.length === 1 ? 'it' : 'them'} or change --algo`,
  );
}

/** Every default, for help texts (one source of truth: the schema). */
export const TRAIN_DEFAULTS: TrainConfig = trainConfigSchema.parse({});

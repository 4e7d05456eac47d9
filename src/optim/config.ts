// Optimizer configuration (zod schema with every default) and its construction: weight decay,
// then Adam or SGD. Also turns a zod failure into the one-line UsageError the CLI prints.

import { z } from 'zod';
import { UsageError } from '../types.ts';
import { adam } from './adam.ts';
import { type SteppingOptimizer, withFusedStep } from './fused.ts';
import { sgd } from './sgd.ts';
import { chain, type GradientTransformation, type PlainState } from './transform.ts';
import { addWeightDecay } from './weight-decay.ts';

const positive = z.number().positive();
const unit = z.number().min(0).lt(1);

export const adamConfigSchema = z
  .object({
    name: z.literal('adam'),
    lr: positive.default(0.001), // the paper: "ADAM with a fixed learning rate of 0.001"
    b1: unit.default(0.9), // TF default beta1
    b2: unit.default(0.999), // TF default beta2
    eps: positive.default(1e-8), // TF default epsilon
  })
  .strict();

export const sgdConfigSchema = z
  .object({
    name: z.literal('sgd'),
    lr: positive.default(0.01), // plain SGD step size (eq. 2's alpha)
  })
  .strict();

export const optimizerConfigSchema = z.discriminatedUnion('name', [adamConfigSchema, sgdConfigSchema]);
export type OptimizerConfig = z.output<typeof optimizerConfigSchema>;

/** The default optimizer: Adam, lr 0.001, TF defaults (the paper's setting). */
export const DEFAULT_OPTIMIZER: OptimizerConfig = { name: 'adam', lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-8 };

/**
 * chain(addWeightDecay(l2), adam | sgd). Its state is [{}, AdamState | SgdState]: plain data,
 * typed here only as PlainState because the config picks the optimizer at run time. Its `step`
 * does update + applyUpdates in one pass over float32 buffers, bit-identical (fused.ts).
 */
export function createOptimizer(config: OptimizerConfig, l2 = 0): SteppingOptimizer<PlainState> {
  const inner = config.name === 'adam' ? adam(config.lr, config) : sgd(config.lr);
  const chained = chain(addWeightDecay(l2), inner) as unknown as GradientTransformation<PlainState>;
  return withFusedStep(chained, config, l2);
}

/** How a field is named in errors: as the user wrote it (a flag, a config key), from its path in the value. */
export type FieldNamer = (path: readonly string[]) => string;

/**
 * Parses `value` with `schema`; on failure throws a UsageError naming the first bad field (by
 * `name`, or prefixed by `where`, e.g. "es.sigma"), the value found there and what is allowed, on one line.
 */
export function parseOrUsageError<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: string | FieldNamer,
): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String);
  const name: FieldNamer =
    typeof where === 'function' ? where : (p) => [where, ...p].filter((s) => s !== '').join('.');
  const field = name(path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
    throw new UsageError(`${field === '' ? '' : `${field}: `}unknown field(s) ${keys}`);
  }
  let found: unknown = value;
  for (const key of issue.path) {
    found =
      found !== null && typeof found === 'object' ? (found as Record<PropertyKey, unknown>)[key] : undefined;
  }
  throw new UsageError(`${field}: got ${showValue(found)}; ${issue.message.replace(/^Invalid input: /, '')}`);
}

function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v); // JSON.stringify(NaN) would say null
  return JSON.stringify(v) ?? String(v);
}

// Networks from a JSON layer spec: {"name"?, "input": [C,H,W], "layers": [...], "loss"?}, checked field
// by field (zod, strict objects) and shape by shape; every problem is one UsageError line naming the
// source, the layer index and the field. loadArchitecture takes a built-in name or a .json path.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../types.ts';
import {
  type Architecture,
  DEFAULT_LEAKY_ALPHA,
  getArchitecture,
  inferShapes,
  LAYER_KINDS,
  type LayerKind,
  type LayerSpec,
  type LossKind,
  listArchitectures,
  paramLayout,
} from './architecture.ts';

const POSITIVE_INT = 'must be a positive integer';
const positiveInt = z
  .number({ error: POSITIVE_INT })
  .int({ error: POSITIVE_INT })
  .min(1, { error: POSITIVE_INT });

const isPositiveInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

/** The fields of each layer kind (strict: any other field is an error). */
const LAYER_SCHEMAS: Record<LayerKind, z.ZodObject> = {
  conv2d: z.strictObject({
    kind: z.literal('conv2d'),
    filters: positiveInt,
    kernel: positiveInt,
    stride: positiveInt.optional(),
    padding: z.enum(['same', 'valid'], { error: 'must be "same" or "valid"' }).optional(),
  }),
  maxpool: z.strictObject({
    kind: z.literal('maxpool'),
    kernel: positiveInt,
    stride: positiveInt.optional(),
  }),
  avgpool: z.strictObject({
    kind: z.literal('avgpool'),
    kernel: positiveInt,
    stride: positiveInt.optional(),
  }),
  dense: z.strictObject({ kind: z.literal('dense'), units: positiveInt }),
  relu: z.strictObject({ kind: z.literal('relu') }),
  tanh: z.strictObject({ kind: z.literal('tanh') }),
  sigmoid: z.strictObject({ kind: z.literal('sigmoid') }),
  'leaky-relu': z.strictObject({
    kind: z.literal('leaky-relu'),
    alpha: z.number({ error: 'must be a finite number' }).optional(),
  }),
  flatten: z.strictObject({ kind: z.literal('flatten') }),
};

const LOSSES: readonly LossKind[] = ['cross-entropy', 'mse'];

/** The top level; `inputKey` is "input" in JSON specs, "inputCHW" in an Architecture value. */
const specSchema = (inputKey: 'input' | 'inputCHW') =>
  z.strictObject({
    name: z
      .string({ error: 'must be a non-empty string' })
      .min(1, { error: 'must be a non-empty string' })
      .optional(),
    [inputKey]: z.unknown().refine((v) => Array.isArray(v) && v.length === 3 && v.every(isPositiveInt), {
      error: 'must be [C, H, W]: three positive integers',
    }),
    layers: z
      .array(z.unknown(), { error: 'must be a non-empty array of layers' })
      .min(1, { error: 'must be a non-empty array of layers' }),
    loss: z
      .enum(LOSSES as [LossKind, ...LossKind[]], { error: 'must be "cross-entropy" or "mse"' })
      .optional(),
  });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as the user wrote it, shortened for a one-line message. */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** `layers[3].kernel`, `input`, or '' for the top level. */
function pathName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path)
    v = isObject(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Parses `value` with `schema`; the first issue becomes `label: path: problem`. */
function check<T extends z.ZodType>(
  schema: T,
  value: unknown,
  label: string,
  at: readonly PropertyKey[],
): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = [...at, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const allowed = schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') : '';
    const key = issue.keys[0]!;
    throw new UsageError(`${label}: ${pathName([...path, key])}: unknown field (allowed: ${allowed})`);
  }
  const got = valueAt(value, issue.path);
  const what = got === undefined ? 'missing' : `got ${shown(got)}`;
  throw new UsageError(`${label}: ${pathName(path)}: ${what}; ${issue.message}`);
}

function parseLayer(value: unknown, index: number, label: string): LayerSpec {
  const at = `${label}: layers[${index}]`;
  if (!isObject(value))
    throw new UsageError(`${at}: got ${shown(value)}; must be an object like {"kind": "dense", "units": 10}`);
  const kind = value.kind;
  const allowed = LAYER_KINDS.join(', ');
  if (kind === undefined) throw new UsageError(`${at}.kind: missing; must be one of ${allowed}`);
  if (typeof kind !== 'string' || !(LAYER_KINDS as readonly string[]).includes(kind))
    throw new UsageError(`${at}.kind: unknown kind ${shown(kind)} (allowed: ${allowed})`);
  const l = check(LAYER_SCHEMAS[kind as LayerKind], value, label, ['layers', index]) as Record<
    string,
    unknown
  >;
  // The canonical form: every default written out, so equal networks are equal specs.
  switch (kind as LayerKind) {
    case 'conv2d':
      return {
        kind: 'conv2d',
        filters: l.filters as number,
        kernel: l.kernel as number,
        stride: (l.stride as number | undefined) ?? 1,
        padding: (l.padding as 'same' | 'valid' | undefined) ?? 'same',
      };
    case 'maxpool':
    case 'avgpool':
      return {
        kind: kind as 'maxpool' | 'avgpool',
        kernel: l.kernel as number,
        stride: (l.stride as number | undefined) ?? (l.kernel as number),
      };
    case 'dense':
      return { kind: 'dense', units: l.units as number };
    case 'leaky-relu':
      return { kind: 'leaky-relu', alpha: (l.alpha as number | undefined) ?? DEFAULT_LEAKY_ALPHA };
    default:
      return { kind: kind as 'relu' | 'tanh' | 'sigmoid' | 'flatten' };
  }
}

/** The name of a spec file without its folder and .json extension. */
function defaultName(label: string): string {
  return basename(label).replace(/\.json$/i, '') || 'net';
}

/**
 * A network from its JSON spec value: {"name"?: string, "input": [C, H, W], "layers": [...],
 * "loss"?: "cross-entropy" | "mse"} (or an Architecture value from a library caller, with
 * "inputCHW" for "input", checked the same way). `label` names the source in messages (e.g. the
 * file path) and gives the default name. Defaults are written out (stride 1, padding "same", pool
 * stride = kernel, alpha 0.01, loss "cross-entropy"). Throws a one-line UsageError naming the layer
 * index and the field.
 */
export function parseArchitecture(value: unknown, label: string): Architecture {
  if (!isObject(value))
    throw new UsageError(
      `${label}: got ${shown(value)}; must be an object {"input": [C, H, W], "layers": [...]}`,
    );
  const inputKey = 'inputCHW' in value && !('input' in value) ? 'inputCHW' : 'input';
  const spec = check(specSchema(inputKey), value, label, []) as {
    name?: string;
    layers: unknown[];
    loss?: LossKind;
  } & Record<typeof inputKey, unknown>;
  const layers = spec.layers.map((l, i) => parseLayer(l, i, label));
  const inputCHW = [...(spec[inputKey] as number[])] as [number, number, number];
  const r = inferShapes(inputCHW, layers);
  if ('problem' in r) {
    const { index, message } = r.problem;
    throw new UsageError(`${label}: layers[${index}] (${layers[index]!.kind}): ${message}`);
  }
  const last = layers.length - 1;
  const out = r.shapes[last]!;
  if (out.length !== 1)
    throw new UsageError(
      `${label}: layers[${last}] (${layers[last]!.kind}): the last layer must produce a flat vector (the classes), ` +
        `got ${out.join('×')}; end with {"kind":"flatten"} and a dense layer`,
    );
  if (!layers.some((l) => l.kind === 'conv2d' || l.kind === 'dense'))
    throw new UsageError(`${label}: layers: no conv2d or dense layer, so no parameters to train`);
  const arch: Architecture = {
    name: spec.name ?? defaultName(label),
    inputCHW,
    layers,
    loss: spec.loss ?? 'cross-entropy',
  };
  const P = paramLayout(arch).size;
  if (P > MAX_PARAMS)
    throw new UsageError(
      `${label}: layers: ${P.toLocaleString('en-US')} parameters; at most ${MAX_PARAMS.toLocaleString('en-US')} fit in θ`,
    );
  return arch;
}

/** θ is one Float32Array indexed by int32 offsets (and ONNX tensors of it). */
const MAX_PARAMS = 2 ** 31 - 1;

/** A built-in network by name, or a spec read from a path ending in .json. */
export function loadArchitecture(nameOrPath: string): Architecture {
  if (!/\.json$/i.test(nameOrPath)) {
    if (listArchitectures().includes(nameOrPath)) return getArchitecture(nameOrPath);
    throw new UsageError(
      `unknown model '${nameOrPath}': allowed are ${listArchitectures().join(', ')}, or a path to a .json layer spec`,
    );
  }
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    throw new UsageError(`${nameOrPath}: cannot read the model spec: ${oneLine(why)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${nameOrPath}: not valid JSON: ${oneLine((e as Error).message)}`);
  }
  return parseArchitecture(value, nameOrPath);
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

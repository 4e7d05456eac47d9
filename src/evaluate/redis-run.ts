// The run a Redis master publishes (esgrad:run) and a worker checks before serving it: the esgrad
// version, fingerprints of the training data and noise table, and the refusal when they differ.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Split } from '../data/index.ts';
import { VERSION } from '../version.ts';
import { PROTOCOL, type RunInfo } from './redis-protocol.ts';

/** sha256 of a split's images (float32 bytes) and labels. */
export function dataHash(train: Split): string {
  const h = createHash('sha256');
  h.update(
    new Uint8Array(train.imagesNxHxW.buffer, train.imagesNxHxW.byteOffset, train.imagesNxHxW.byteLength),
  );
  h.update(new Uint8Array(train.labelsN.buffer, train.labelsN.byteOffset, train.labelsN.byteLength));
  return h.digest('hex');
}

/** sha256 of the table's length and every 1009th value (catches a table built differently, cheaply). */
export function tableHash(tableS: Float32Array): string {
  const sample = new Float32Array(Math.ceil(tableS.length / 1009));
  for (let i = 0, k = 0; i < tableS.length; i += 1009) sample[k++] = tableS[i]!;
  return createHash('sha256')
    .update(String(tableS.length))
    .update(new Uint8Array(sample.buffer))
    .digest('hex');
}

export const newRunId = (): string => randomBytes(8).toString('hex');

const runInfoSchema = z.object({
  protocol: z.number().int(),
  version: z.string(),
  runId: z.string().regex(/^[0-9a-f]{16}$/),
  model: z.string(),
  params: z.number().int().positive(),
  dataset: z.string(),
  trainCount: z.number().int().positive(),
  dataHash: z.string(),
  seed: z.number().int().min(0),
  noiseTableSize: z.number().int().positive(),
  tableHash: z.string(),
  batchSize: z.number().int().positive(),
  subsetSize: z.number().int().positive(),
  bucketSize: z.number().int().min(0),
  copiesPerRun: z.number().int().positive(),
  leaseMs: z.number().int().positive(),
});

/** The run info stored in Redis, or undefined when the value is not one. */
export function parseRunInfo(text: string | null): RunInfo | undefined {
  if (text === null) return undefined;
  try {
    const r = runInfoSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Why this worker may not serve the run (different esgrad or protocol), or undefined. */
export function versionRefusal(info: Pick<RunInfo, 'version' | 'protocol'>): string | undefined {
  if (info.version === VERSION && info.protocol === PROTOCOL) return undefined;
  return `the master runs esgrad ${info.version} (protocol ${info.protocol}), this worker esgrad ${VERSION} (protocol ${PROTOCOL}); install the same esgrad version on every machine`;
}

/** What a worker built locally, to compare with the master's fingerprints. */
export interface LocalBuild {
  readonly params: number;
  readonly trainCount: number;
  readonly dataHash: string;
  readonly tableHash: string;
}

/** Why the worker's local data, network or noise table differ from the master's, or undefined. */
export function buildRefusal(info: RunInfo, local: LocalBuild): string | undefined {
  if (local.params !== info.params)
    return `the model ${info.model} has ${local.params} parameters here, ${info.params} at the master`;
  if (local.trainCount !== info.trainCount)
    return `the ${info.dataset} training set has ${local.trainCount} images here, ${info.trainCount} at the master`;
  if (local.dataHash !== info.dataHash)
    return `the ${info.dataset} training images differ from the master's (sha256 ${local.dataHash.slice(0, 12)}… vs ${info.dataHash.slice(0, 12)}…)`;
  if (local.tableHash !== info.tableHash)
    return `the noise table built here differs from the master's (seed ${info.seed}, ${info.noiseTableSize} floats)`;
  return undefined;
}

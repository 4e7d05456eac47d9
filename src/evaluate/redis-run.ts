// The run a Redis master publishes (esgrad:run, esgrad:model) and a worker checks before serving it:
// the esgrad version, fingerprints of the model, data, objective module and noise table, and refusals.
// A rollout run names its control task and policy; workers build them (no file travels).
import { createHash, randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { z } from 'zod';
import { type ModelSource, modelFingerprint } from '../backend/source.ts';
import { dataFingerprint, type Split } from '../data/index.ts';
import { policyParamCount } from '../env/policy.ts';
import { TASK_NAMES } from '../env/tasks.ts';
import { esConfigSchema } from '../es/config.ts';
import { VERSION } from '../version.ts';
import { evaluationSettingsSchema } from './evaluator.ts';
import { type Direction, describeObjective, type ObjectiveModule } from './objective.ts';
import {
  encodeModelSource,
  type ModelSubject,
  type ObjectiveSubject,
  PROTOCOL,
  type RolloutSubject,
  type RunInfo,
  type RunSubject,
} from './redis-protocol.ts';
import { type RolloutSettings, rolloutPolicySpec } from './rollout.ts';

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

/** What a Redis run evaluates as the master publishes it: P, the subject, and a model's stored bytes. */
export interface RedisWork {
  readonly params: number;
  readonly subject: RunSubject;
  /** Stored at esgrad:model (model runs). */
  readonly modelBlob?: Buffer;
}

/** A model run: the source published whole, the data by name and fingerprint. */
export function modelWork(
  source: ModelSource,
  params: number,
  data: { readonly name: string; readonly train: Split },
  copiesPerRun: number,
): RedisWork {
  const subject: ModelSubject = {
    kind: 'model',
    model: source.format === 'spec' ? source.spec.name : source.name,
    modelFingerprint: modelFingerprint(source),
    dataset: data.name,
    trainCount: data.train.count,
    dataFingerprint: dataFingerprint(data.train),
    copiesPerRun,
  };
  return { params, subject, modelBlob: encodeModelSource(source) };
}

/** An objective run: workers load the module themselves and must hold the same bytes. */
export function objectiveWork(
  module: Pick<ObjectiveModule, 'path' | 'hash'>,
  direction: Direction,
  params: number,
): RedisWork {
  const subject: ObjectiveSubject = {
    kind: 'objective',
    objective: basename(module.path),
    objectiveHash: module.hash,
    direction,
  };
  return { params, subject };
}

/** A rollout run: the task by name and the policy's shape; workers build both and check P. */
export function rolloutWork(settings: RolloutSettings, params: number): RedisWork {
  const observationSize = rolloutPolicySpec(settings).observationSize;
  const subject: RolloutSubject = { kind: 'rollout', rollout: settings, observationSize };
  return { params, subject };
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const runInfoSchema = z.object({
  protocol: z.number().int(),
  version: z.string(),
  runId: z.string().regex(/^[0-9a-f]{16}$/),
  params: z.number().int().positive(),
  settings: evaluationSettingsSchema,
  noiseTableSize: z.number().int().positive(),
  tableHash: z.string(),
  leaseMs: z.number().int().positive(),
  subject: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('model'),
      model: z.string(),
      modelFingerprint: hex64,
      dataset: z.string(),
      trainCount: z.number().int().positive(),
      dataFingerprint: hex64,
      copiesPerRun: z.number().int().positive(),
    }),
    z.object({
      kind: z.literal('objective'),
      objective: z.string(),
      objectiveHash: hex64,
      direction: z.enum(['minimize', 'maximize']),
    }),
    z.object({
      kind: z.literal('rollout'),
      rollout: z.object({
        task: z.string().min(1),
        hidden: z.array(z.number().int().positive()).max(8),
        episodes: z.number().int().positive(),
        maxSteps: z.number().int().min(0),
        obsStatsFraction: z.number().min(0).max(1),
      }),
      observationSize: z.number().int().positive(),
    }),
  ]),
  replay: z.object({ es: esConfigSchema.extend({ noiseTableSize: z.number().int().positive() }) }).optional(),
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

/** Why a worker started for one kind of run may not serve the other, or undefined. */
export function subjectRefusal(subject: RunSubject, objectivePath: string | undefined): string | undefined {
  if (subject.kind === 'objective' && objectivePath === undefined)
    return `the master optimises the objective ${subject.objective} (sha256 ${subject.objectiveHash.slice(0, 12)}…); start this worker with --objective FILE`;
  if (subject.kind === 'model' && objectivePath !== undefined)
    return `the master trains the model ${subject.model}, not an objective; start this worker without --objective`;
  if (subject.kind === 'rollout' && objectivePath !== undefined)
    return `the master trains a policy on --task ${subject.rollout.task}, not an objective; start this worker without --objective`;
  return undefined;
}

/** Why this worker cannot run the master's rollouts (a task it does not know by name, another policy size), or undefined. */
export function rolloutRefusal(info: RunInfo, subject: RolloutSubject): string | undefined {
  const task = subject.rollout.task;
  if (!TASK_NAMES.includes(task))
    return `the master's task ${JSON.stringify(task.slice(0, 200))} is not one this worker knows by name (${TASK_NAMES.join(', ')})`;
  const spec = rolloutPolicySpec(subject.rollout);
  const params = policyParamCount(spec);
  if (spec.observationSize !== subject.observationSize || params !== info.params)
    return `the ${task} policy (hidden ${subject.rollout.hidden.join(',') || 'none'}) has ${spec.observationSize} observations and ${params} parameters here, ${subject.observationSize} and ${info.params} at the master`;
  return undefined;
}

/** Why the model built here from the published source differs from the master's, or undefined. */
export function modelRefusal(
  info: RunInfo,
  subject: ModelSubject,
  local: { readonly fingerprint: string; readonly params: number },
): string | undefined {
  if (local.fingerprint !== subject.modelFingerprint)
    return `the model published at the master is not the one its run names (sha256 ${local.fingerprint.slice(0, 12)}… vs ${subject.modelFingerprint.slice(0, 12)}…)`;
  if (local.params !== info.params)
    return `the model ${subject.model} has ${local.params} parameters here, ${info.params} at the master`;
  return undefined;
}

/** Why the training data loaded here differ from the master's, or undefined. */
export function dataRefusal(
  subject: ModelSubject,
  local: { readonly trainCount: number; readonly dataFingerprint: string },
): string | undefined {
  if (local.trainCount !== subject.trainCount)
    return `the ${subject.dataset} training set has ${local.trainCount} images here, ${subject.trainCount} at the master`;
  if (local.dataFingerprint !== subject.dataFingerprint)
    return `the ${subject.dataset} training images differ from the master's (sha256 ${local.dataFingerprint.slice(0, 12)}… vs ${subject.dataFingerprint.slice(0, 12)}…)`;
  return undefined;
}

/** Why the objective module loaded here differs from the master's, or undefined. */
export function objectiveRefusal(
  subject: ObjectiveSubject,
  local: Pick<ObjectiveModule, 'path' | 'hash'>,
): string | undefined {
  if (local.hash === subject.objectiveHash) return undefined;
  return `the objective ${describeObjective(local)} differs from the master's ${subject.objective} (sha256 ${subject.objectiveHash.slice(0, 12)}…); give every worker the same file`;
}

/** Why the noise table built here differs from the master's, or undefined. */
export function tableRefusal(info: RunInfo, localTableHash: string): string | undefined {
  if (localTableHash === info.tableHash) return undefined;
  return `the noise table built here differs from the master's (seed ${info.settings.seed}, ${info.noiseTableSize} floats)`;
}

// A MuJoCo locomotion task as data: the MJCF model and the observation / reward / termination around it
// (a JSON file a user writes, validated with zod; a bad file is one UsageError line naming the field).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../types.ts';

/** [low, high]; null for an open end (JSON has no Infinity). */
const range = z
  .tuple([z.number().nullable(), z.number().nullable()])
  .refine(([lo, hi]) => lo === null || hi === null || lo < hi, 'low must be below high');

/** The task file's fields; every default is listed here and nowhere else. */
export const TaskFileSchema = z.strictObject({
  /** The MJCF model: a path relative to the task file. */
  mjcf: z.string().min(1),
  /** mj_step calls per environment step (the action is held through them). */
  frameSkip: z.int().min(1).max(1000).default(4),
  /** Truncation limit in environment steps. */
  maxSteps: z.int().min(1).default(1000),
  /** Reward weight × the body's forward (+x) velocity, from its position before and after the step. */
  forward: z.strictObject({ body: z.string().min(1), weight: z.number().default(1) }),
  /** Reward −ctrlCost × Σ action² (the action clipped to the actuators' ctrlrange). */
  ctrlCost: z.number().min(0).default(0.001),
  /** Reward per step while healthy (every step when terminateWhenUnhealthy, as Gymnasium does). */
  healthyReward: z.number().default(0),
  /** Healthy while every given bound holds (strictly); omitted: always healthy. */
  healthy: z
    .strictObject({
      /** The body whose height zRange bounds (default: forward.body). */
      body: z.string().min(1).optional(),
      zRange: range.optional(),
      /** A hinge joint (e.g. the root pitch of a planar robot) whose angle angleRange bounds. */
      angleJoint: z.string().min(1).optional(),
      angleRange: range.optional(),
      /** Bound on |x| for every observed value before velocity clipping. */
      stateBound: z.number().positive().optional(),
    })
    .refine((h) => (h.angleRange === undefined) === (h.angleJoint === undefined), {
      message: 'angleRange and angleJoint go together',
    })
    .optional(),
  terminateWhenUnhealthy: z.boolean().default(true),
  observation: z
    .strictObject({
      /** Joints whose qpos is left out (default: the first joint when it slides, a planar root's x). */
      exclude: z.array(z.string().min(1)).optional(),
      /** qvel is clipped to [−velocityClip, velocityClip]. */
      velocityClip: z.number().positive().default(10),
    })
    .default({ velocityClip: 10 }),
  /** Initial qpos = qpos0 + U(−resetNoise, resetNoise), qvel = U(−resetNoise, resetNoise). */
  resetNoise: z.number().min(0).default(0.005),
});

export type TaskFile = z.output<typeof TaskFileSchema>;

/** A task ready to build: its definition, the MJCF text, and names for messages. */
export interface MujocoTask extends Omit<TaskFile, 'mjcf'> {
  readonly name: string;
  readonly mjcfText: string;
  /** Names the model in errors (the MJCF path, or the task's name for a built-in). */
  readonly mjcfLabel: string;
}

const shown = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path)
    v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Validates a parsed task file; the first problem is one line `label: field: what; allowed`. */
export function parseTaskFile(value: unknown, label: string): TaskFile {
  const r = TaskFileSchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys')
    throw new UsageError(`${label}: ${at === '' ? '' : `${at}.`}${issue.keys[0]}: unknown field`);
  const got = valueAt(value, issue.path);
  const what = got === undefined ? 'missing' : `got ${shown(got)}`;
  throw new UsageError(`${label}: ${at === '' ? 'task' : at}: ${what}; ${issue.message}`);
}

/** Reads a task file and the MJCF it names; unreadable files and bad JSON are one UsageError line. */
export function readTaskFile(path: string): MujocoTask {
  const read = (p: string, what: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      throw new UsageError(
        `${what} ${p}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      );
    }
  };
  let value: unknown;
  try {
    value = JSON.parse(read(path, 'task file'));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const { mjcf, ...rest } = parseTaskFile(value, path);
  const mjcfPath = resolve(dirname(path), mjcf);
  return { ...rest, name: path, mjcfText: read(mjcfPath, 'MJCF file'), mjcfLabel: mjcfPath };
}

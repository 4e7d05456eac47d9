// The Redis master's periodic look at its keys during a round: whether the run, the model, θ of the
// round and the task stream with its group are still there, and whether any chunk is still in play.
import type { Redis } from 'ioredis';
import { GROUP, KEYS } from './redis-protocol.ts';

/** What the master expects to find during a round. */
export interface RoundKeys {
  readonly runId: string;
  readonly withModel: boolean;
  /** The first THETA_HEADER_BYTES of the round's θ (magic, round, run id), or a replay round's whole message. */
  readonly thetaHeader: Buffer;
  /** Where the round's θ (or, in a replay run, its round message) is (default esgrad:theta). */
  readonly thetaKey?: string;
  /** Task entries the master has added this round (all stay in the stream until the round ends). */
  readonly entries: number;
}

/** What the master found: false marks what vanished or changed. */
export interface KeyCheck {
  readonly run: boolean;
  readonly model: boolean;
  readonly theta: boolean;
  /** The task stream with its consumer group and every entry of the round. */
  readonly tasks: boolean;
  /** No entry waits for a worker and none is leased: an unanswered chunk is then lost. */
  readonly idle: boolean;
  /** esgrad:workers: name -> JSON WorkerInfo. */
  readonly workers: Record<string, string>;
}

/** The value of `field` in a flat [name, value, ...] reply. */
function field(flat: unknown, name: string): unknown {
  if (!Array.isArray(flat)) return undefined;
  const i = flat.indexOf(name);
  return i >= 0 && i % 2 === 0 ? flat[i + 1] : undefined;
}

function runIdOf(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const v = JSON.parse(text) as { runId?: unknown };
    return typeof v.runId === 'string' ? v.runId : undefined;
  } catch {
    return undefined;
  }
}

/** One pipeline of cheap reads (θ's header only, never θ). */
export async function checkKeys(cmd: Redis, want: RoundKeys): Promise<KeyCheck> {
  const replies =
    (await cmd
      .pipeline()
      .get(KEYS.run)
      .exists(KEYS.model)
      .getrangeBuffer(want.thetaKey ?? KEYS.theta, 0, want.thetaHeader.length - 1)
      .xlen(KEYS.tasks)
      .xinfo('GROUPS', KEYS.tasks)
      .hgetall(KEYS.workers)
      .xinfo('STREAM', KEYS.tasks)
      .exec()) ?? [];
  const value = (i: number): unknown => (replies[i]?.[0] ? undefined : replies[i]?.[1]);
  const header = value(2);
  const groups = value(4);
  const group = Array.isArray(groups) ? groups.find((g) => field(g, 'name') === GROUP) : undefined;
  const entries = value(3);
  const workers = value(5);
  return {
    run: runIdOf(value(0)) === want.runId,
    model: !want.withModel || value(1) === 1,
    theta: Buffer.isBuffer(header) && header.equals(want.thetaHeader),
    tasks: group !== undefined && typeof entries === 'number' && entries >= want.entries,
    // nothing leased, and the group has been given the stream's newest entry (lag is unknown after XDELs)
    idle:
      group !== undefined &&
      field(group, 'pending') === 0 &&
      field(group, 'last-delivered-id') === field(value(6), 'last-generated-id'),
    workers: workers && typeof workers === 'object' ? (workers as Record<string, string>) : {},
  };
}

// A user's objective for ES: a function of θ with a direction, in-process or as a module file (default
// export or `objective`) identified by the sha256 of its bytes, which every worker loads and checks itself.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../types.ts';

/** f(θ): the candidate passed in is valid until f returns (copy it to keep it). */
export type ObjectiveFn = (thetaP: Float32Array) => number | Promise<number>;
export type Direction = 'minimize' | 'maximize';

/** An objective module as loaded: its absolute path, the sha256 of its bytes (hex) and its function. */
export interface ObjectiveModule {
  readonly path: string;
  readonly hash: string;
  readonly fn: ObjectiveFn;
}

/** The direction as given, or a one-line UsageError (there is no default: f may be a loss or a score). */
export function checkDirection(direction: unknown): Direction {
  if (direction === 'minimize' || direction === 'maximize') return direction;
  throw new UsageError(
    direction === undefined
      ? "objective: no direction: give direction: 'minimize' or 'maximize'"
      : `objective: direction ${JSON.stringify(direction)} is not 'minimize' or 'maximize'`,
  );
}

/** ES maximises rewards: reward = f when maximising, −f when minimising (and back: the map is its own inverse). */
export const rewardOf = (value: number, direction: Direction): number =>
  direction === 'maximize' ? value : -value;

export const objectiveHash = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The file's sha256 (UsageError with one line when it cannot be read). */
export async function objectiveFileHash(path: string): Promise<string> {
  try {
    return objectiveHash(await readFile(resolve(path)));
  } catch (e) {
    throw new UsageError(`objective ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}

/**
 * Imports the module at `path` (default export, else the named export `objective`) and hashes its
 * bytes; the import URL carries the hash, so a file edited since gets a fresh module, never a stale one.
 */
export async function loadObjective(path: string): Promise<ObjectiveModule> {
  const abs = resolve(path);
  const hash = await objectiveFileHash(abs);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(`${pathToFileURL(abs).href}?sha256=${hash}`)) as Record<string, unknown>;
  } catch (e) {
    const first = String((e as Error)?.message ?? e).split('\n')[0];
    throw new UsageError(`objective ${path}: cannot import it: ${first}`);
  }
  const fn = typeof mod.default === 'function' ? mod.default : mod.objective;
  if (typeof fn !== 'function')
    throw new UsageError(
      `objective ${path}: exports no function; write export default (theta) => number (or export function objective)`,
    );
  return { path: abs, hash, fn: fn as ObjectiveFn };
}

/** "rastrigin.mjs (sha256 3f2a9c01b7e4…)", for messages. */
export const describeObjective = (m: Pick<ObjectiveModule, 'path' | 'hash'>): string =>
  `${basename(m.path)} (sha256 ${m.hash.slice(0, 12)}…)`;

/** Counts an objective's failures and logs the first one only (a broken objective would flood the log). */
export class FailureReport {
  count = 0;
  constructor(private readonly log: (msg: string) => void) {}

  add(message: string, count = 1): void {
    if (this.count === 0) this.log(`objective: ${message}; its reward is NaN (further failures counted)`);
    this.count += count;
  }

  /** One closing line when failures went unreported. */
  close(): void {
    if (this.count > 1) this.log(`objective: ${this.count} evaluations failed in all (rewards NaN)`);
    this.count = 0;
  }
}

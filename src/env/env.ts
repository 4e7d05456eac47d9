// The environment interface of esgrad's control tasks (Gymnasium's reset/step semantics, float64) and
// VecEnv, which steps K copies together on flat arrays so a chunk of offspring advances one step at a time.

/** Discrete actions 0..n-1 (an action is written as one float holding the index), or a box [low, high]. */
export type ActionSpace =
  | { readonly kind: 'discrete'; readonly n: number }
  | { readonly kind: 'continuous'; readonly lowA: Float64Array; readonly highA: Float64Array };

/** What a policy and a runner need to know about an environment, fixed at creation. */
export interface EnvSpec {
  /** Registry name, e.g. 'cartpole'. */
  readonly name: string;
  readonly observationSize: number;
  readonly actionSpace: ActionSpace;
  /** Truncation limit: an episode is truncated after this many steps (Gymnasium's TimeLimit). */
  readonly maxEpisodeSteps: number;
}

/** Floats per action: 1 for discrete (the index), the box's dimension for continuous. */
export const actionWidth = (space: ActionSpace): number =>
  space.kind === 'discrete' ? 1 : space.lowA.length;

/** The outcome of one step; `observation` is a fresh array owned by the caller. */
export interface StepResult {
  readonly observation: Float64Array;
  readonly reward: number;
  /** The task's own end (pole fell, goal reached): no further reward would follow. */
  readonly terminated: boolean;
  /** Stopped by the step limit: the state is not terminal. */
  readonly truncated: boolean;
}

/** The full state: the physics (the environment's own layout, documented per env) and the step counter. */
export interface EnvState {
  readonly physics: Float64Array;
  readonly elapsedSteps: number;
}

/** One environment. reset before the first step; step after terminated/truncated is an error. */
export interface Env {
  readonly spec: EnvSpec;
  /** Starts an episode whose initial state is a pure function of `seed` (esgrad's RNG, not numpy's). */
  reset(seed: number): Float64Array;
  /** Advances one step; `action` has actionWidth(spec.actionSpace) floats. */
  step(action: Float64Array): StepResult;
  /** A copy of the full state. */
  getState(): EnvState;
  /** Sets the full state (copied); the next step starts from it. Returns its observation. */
  setState(state: EnvState): Float64Array;
  /** Frees what the environment holds (WebAssembly memory, ...); a no-op for plain JS envs. */
  close(): void;
}

/** Creates an environment; `maxEpisodeSteps` overrides the task's default truncation limit. */
export type EnvFactory = (options?: { readonly maxEpisodeSteps?: number }) => Env;

/**
 * K environments stepped together on flat arrays (observationsKO is K rows of observationSize floats,
 * actionsKA K rows of actionWidth floats). A copy that has terminated or been truncated is done: it
 * stays done until the next reset, its row of observations is left as it was, and its reward is 0.
 */
export class VecEnv {
  readonly spec: EnvSpec;
  readonly count: number;
  readonly observationsKO: Float64Array;
  readonly rewardsK: Float64Array;
  /** 1 once a copy's episode has ended (terminated or truncated). */
  readonly doneK: Uint8Array;
  readonly terminatedK: Uint8Array;
  readonly truncatedK: Uint8Array;
  private readonly envs: Env[];

  constructor(factory: EnvFactory, count: number, options?: { readonly maxEpisodeSteps?: number }) {
    this.envs = Array.from({ length: count }, () => factory(options));
    const first = this.envs[0];
    if (!first) throw new RangeError('VecEnv: count must be at least 1');
    this.spec = first.spec;
    this.count = count;
    this.observationsKO = new Float64Array(count * this.spec.observationSize);
    this.rewardsK = new Float64Array(count);
    this.doneK = new Uint8Array(count);
    this.terminatedK = new Uint8Array(count);
    this.truncatedK = new Uint8Array(count);
  }

  /** Resets copy k with seedsK[k]; fills and returns observationsKO. */
  reset(seedsK: ArrayLike<number>): Float64Array {
    if (seedsK.length !== this.count)
      throw new RangeError(`VecEnv.reset: ${seedsK.length} seeds for ${this.count} envs`);
    const o = this.spec.observationSize;
    for (let k = 0; k < this.count; k++) this.observationsKO.set(this.envs[k]!.reset(seedsK[k]!), k * o);
    this.rewardsK.fill(0);
    this.doneK.fill(0);
    this.terminatedK.fill(0);
    this.truncatedK.fill(0);
    return this.observationsKO;
  }

  /** Steps every copy not yet done; returns true while at least one copy is still running. */
  step(actionsKA: Float64Array): boolean {
    const o = this.spec.observationSize;
    const a = actionWidth(this.spec.actionSpace);
    if (actionsKA.length !== this.count * a)
      throw new RangeError(`VecEnv.step: ${actionsKA.length} action floats for ${this.count} x ${a}`);
    let running = false;
    for (let k = 0; k < this.count; k++) {
      if (this.doneK[k]) {
        this.rewardsK[k] = 0;
        continue;
      }
      const r = this.envs[k]!.step(actionsKA.subarray(k * a, (k + 1) * a));
      this.observationsKO.set(r.observation, k * o);
      this.rewardsK[k] = r.reward;
      this.terminatedK[k] = r.terminated ? 1 : 0;
      this.truncatedK[k] = r.truncated ? 1 : 0;
      if (r.terminated || r.truncated) this.doneK[k] = 1;
      else running = true;
    }
    return running;
  }

  /** The underlying environment k (for get/setState). */
  env(k: number): Env {
    const e = this.envs[k];
    if (!e) throw new RangeError(`VecEnv.env: no env ${k} of ${this.count}`);
    return e;
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
}

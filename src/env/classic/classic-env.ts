// Classic-control environments as pure dynamics over a float64 state vector, and the one Env class that
// runs any of them (seeded reset from esgrad's RNG, step counter, truncation at the step limit).
import { createRng, hashSeed, nextFloat, type Rng } from '../../rng/prng.ts';
import type { ActionSpace, Env, EnvSpec, EnvState, StepResult } from '../env.ts';

/** One classic-control task: constants, spaces and equations; `step` advances stateS in place. */
export interface ClassicDynamics {
  readonly name: string;
  readonly stateSize: number;
  readonly observationSize: number;
  readonly actionSpace: ActionSpace;
  /** Gymnasium's registered truncation limit. */
  readonly maxEpisodeSteps: number;
  /** Draws the initial state into stateS. */
  initialState(rng: Rng, stateS: Float64Array): void;
  /** Writes the observation of stateS into observationO. */
  observe(stateS: Float64Array, observationO: Float64Array): void;
  /** Applies `action` for one time step (stateS updated in place) and returns the step's reward. */
  step(stateS: Float64Array, action: Float64Array): number;
  /** Whether stateS ends the episode (the task's own termination). */
  isTerminal(stateS: Float64Array): boolean;
}

/** Uniform in [low, high) from esgrad's RNG. */
export const uniform = (rng: Rng, low: number, high: number): number => low + (high - low) * nextFloat(rng);

/** Stream tag so environment seeds never share a stream with other uses of the same integer seed. */
const ENV_STREAM = 0x656e76;

/** The RNG of an episode's initial state: a pure function of the seed (not numpy's stream). */
export const episodeRng = (seed: number): Rng => createRng(hashSeed(ENV_STREAM, seed));

/** Checks an action against its space: a discrete index must be an integer in [0, n). */
function checkAction(space: ActionSpace, action: Float64Array, name: string): void {
  if (space.kind === 'discrete') {
    const a = action[0];
    if (action.length !== 1 || a === undefined || !Number.isInteger(a) || a < 0 || a >= space.n)
      throw new RangeError(`${name}: action ${a} is not an integer in [0, ${space.n})`);
  } else if (action.length !== space.lowA.length) {
    throw new RangeError(`${name}: ${action.length} action floats, expected ${space.lowA.length}`);
  }
}

export class ClassicEnv implements Env {
  readonly spec: EnvSpec;
  private readonly stateS: Float64Array;
  private elapsedSteps = 0;
  private running = false;

  constructor(
    private readonly dynamics: ClassicDynamics,
    options?: { readonly maxEpisodeSteps?: number },
  ) {
    const maxEpisodeSteps = options?.maxEpisodeSteps ?? dynamics.maxEpisodeSteps;
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1)
      throw new RangeError(
        `${dynamics.name}: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`,
      );
    this.spec = {
      name: dynamics.name,
      observationSize: dynamics.observationSize,
      actionSpace: dynamics.actionSpace,
      maxEpisodeSteps,
    };
    this.stateS = new Float64Array(dynamics.stateSize);
  }

  reset(seed: number): Float64Array {
    this.dynamics.initialState(episodeRng(seed), this.stateS);
    this.elapsedSteps = 0;
    this.running = true;
    return this.observation();
  }

  step(action: Float64Array): StepResult {
    if (!this.running) throw new Error(`${this.spec.name}: step without reset (or after the episode ended)`);
    checkAction(this.spec.actionSpace, action, this.spec.name);
    const reward = this.dynamics.step(this.stateS, action);
    this.elapsedSteps++;
    const terminated = this.dynamics.isTerminal(this.stateS);
    // as Gymnasium's TimeLimit: truncated at the limit even when the same step also terminates
    const truncated = this.elapsedSteps >= this.spec.maxEpisodeSteps;
    if (terminated || truncated) this.running = false;
    return { observation: this.observation(), reward, terminated, truncated };
  }

  getState(): EnvState {
    return { physics: this.stateS.slice(), elapsedSteps: this.elapsedSteps };
  }

  setState(state: EnvState): Float64Array {
    if (state.physics.length !== this.stateS.length)
      throw new RangeError(
        `${this.spec.name}: state has ${state.physics.length} values, expected ${this.stateS.length}`,
      );
    this.stateS.set(state.physics);
    this.elapsedSteps = state.elapsedSteps;
    this.running = state.elapsedSteps < this.spec.maxEpisodeSteps && !this.dynamics.isTerminal(this.stateS);
    return this.observation();
  }

  close(): void {}

  private observation(): Float64Array {
    const o = new Float64Array(this.dynamics.observationSize);
    this.dynamics.observe(this.stateS, o);
    return o;
  }
}

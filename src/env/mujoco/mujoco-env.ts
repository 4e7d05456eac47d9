// A MuJoCo locomotion task as an esgrad Env: seeded noisy reset, frame-skipped steps, forward-velocity
// reward minus control cost (plus a healthy reward), healthy-state termination and a step limit.
import { createRng, hashSeed, nextFloat } from '../../rng/prng.ts';
import { UsageError } from '../../types.ts';
import type { Env, EnvFactory, EnvSpec, EnvState, StepResult } from '../env.ts';
import { JOINT_BALL, JOINT_FREE, JOINT_HINGE, JOINT_SLIDE, MujocoPhysics } from './physics.ts';
import type { MujocoTask } from './task-spec.ts';
import { compileMjcf, type Mujoco } from './wasm.ts';

/** Stream tag of MuJoCo initial states, so an env seed never shares a stream with other uses of it. */
const MUJOCO_RESET_STREAM = 0x6d6a6f;

/** Number of qpos coordinates of each joint type (free, ball, slide, hinge). */
const QPOS_WIDTH = { [JOINT_FREE]: 7, [JOINT_BALL]: 4, [JOINT_SLIDE]: 1, [JOINT_HINGE]: 1 } as const;

/** The task's names resolved against a compiled model (ids, qpos addresses). */
interface Resolved {
  readonly forwardBody: number;
  readonly healthyBody: number;
  /** qpos address of the angle joint, or -1. */
  readonly angleQpos: number;
  /** qpos indices that are observed. */
  readonly observedQpos: Int32Array;
}

function resolveNames(task: MujocoTask, physics: MujocoPhysics): Resolved {
  const where = `${task.name}: `;
  const body = (name: string, field: string): number => {
    const id = physics.bodyId(name);
    if (id < 0)
      throw new UsageError(`${where}${field}: ${JSON.stringify(name)} is not a body of ${task.mjcfLabel}`);
    return id;
  };
  const joint = (name: string, field: string): number => {
    const id = physics.jointId(name);
    if (id < 0)
      throw new UsageError(`${where}${field}: ${JSON.stringify(name)} is not a joint of ${task.mjcfLabel}`);
    return id;
  };
  const forwardBody = body(task.forward.body, 'forward.body');
  const healthyBody =
    task.healthy?.body === undefined ? forwardBody : body(task.healthy.body, 'healthy.body');
  let angleQpos = -1;
  if (task.healthy?.angleJoint !== undefined) {
    const j = joint(task.healthy.angleJoint, 'healthy.angleJoint');
    if (physics.jointType(j) !== JOINT_HINGE)
      throw new UsageError(
        `${where}healthy.angleJoint: ${JSON.stringify(task.healthy.angleJoint)} is not a hinge joint`,
      );
    angleQpos = physics.jointQposAddress(j);
  }
  const excluded = new Set<number>();
  const excludedJoints =
    task.observation.exclude?.map((name) => joint(name, 'observation.exclude')) ??
    (physics.jointCount > 0 && physics.jointType(0) === JOINT_SLIDE ? [0] : []);
  for (const j of excludedJoints) {
    const width = QPOS_WIDTH[physics.jointType(j) as keyof typeof QPOS_WIDTH];
    for (let i = 0; i < width; i++) excluded.add(physics.jointQposAddress(j) + i);
  }
  const observedQpos = Int32Array.from({ length: physics.nq }, (_, i) => i).filter((i) => !excluded.has(i));
  return { forwardBody, healthyBody, angleQpos, observedQpos };
}

const within = (v: number, r: readonly [number | null, number | null] | undefined): boolean =>
  r === undefined || ((r[0] === null || v > r[0]) && (r[1] === null || v < r[1]));

/**
 * One simulation of a task. The state (getState().physics) is MujocoPhysics's vector
 * [time, qpos, qvel, act, qacc_warmstart]; observations are the observed qpos then qvel clipped.
 */
export class MujocoEnv implements Env {
  readonly spec: EnvSpec;
  private readonly physics: MujocoPhysics;
  private readonly names: Resolved;
  private readonly lowU: Float64Array;
  private readonly highU: Float64Array;
  private readonly ctrlU: Float64Array;
  /** Seconds per environment step: timestep × frameSkip. */
  readonly dt: number;
  private elapsedSteps = 0;
  private running = false;

  constructor(
    mj: Mujoco,
    private readonly task: MujocoTask,
    options?: { readonly maxEpisodeSteps?: number },
  ) {
    const maxEpisodeSteps = options?.maxEpisodeSteps ?? task.maxSteps;
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1)
      throw new RangeError(
        `${task.name}: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`,
      );
    this.physics = new MujocoPhysics(mj, compileMjcf(mj, task.mjcfText, task.mjcfLabel));
    try {
      if (this.physics.nu === 0)
        throw new UsageError(`${task.name}: ${task.mjcfLabel} has no actuator to control`);
      this.names = resolveNames(task, this.physics);
    } catch (e) {
      this.physics.close();
      throw e;
    }
    ({ lowU: this.lowU, highU: this.highU } = this.physics.controlRanges());
    this.ctrlU = new Float64Array(this.physics.nu);
    this.dt = this.physics.timestep * task.frameSkip;
    this.spec = {
      name: task.name,
      observationSize: this.names.observedQpos.length + this.physics.nv,
      actionSpace: { kind: 'continuous', lowA: this.lowU.slice(), highA: this.highU.slice() },
      maxEpisodeSteps,
    };
  }

  reset(seed: number): Float64Array {
    const rng = createRng(hashSeed(MUJOCO_RESET_STREAM, seed));
    const c = this.task.resetNoise;
    const p = this.physics;
    p.reset();
    const qpos = p.qpos;
    const qvel = p.qvel;
    const qpos0 = p.qpos0;
    for (let i = 0; i < p.nq; i++) qpos[i] = qpos0[i]! + c * (2 * nextFloat(rng) - 1);
    for (let i = 0; i < p.nv; i++) qvel[i] = c * (2 * nextFloat(rng) - 1);
    p.kinematics();
    this.elapsedSteps = 0;
    this.running = true;
    return this.observation();
  }

  step(action: Float64Array): StepResult {
    if (!this.running) throw new Error(`${this.spec.name}: step without reset (or after the episode ended)`);
    const p = this.physics;
    if (action.length !== p.nu)
      throw new RangeError(`${this.spec.name}: ${action.length} action floats, expected ${p.nu}`);
    let ctrlSq = 0;
    for (let u = 0; u < p.nu; u++) {
      const a = Math.min(this.highU[u]!, Math.max(this.lowU[u]!, action[u]!));
      this.ctrlU[u] = a;
      ctrlSq += a * a;
    }
    const xBefore = p.bodyPosition(this.names.forwardBody)[0];
    const timeBefore = p.time;
    p.step(this.ctrlU, this.task.frameSkip);
    const xAfter = p.bodyPosition(this.names.forwardBody)[0];
    this.elapsedSteps++;
    const observation = this.observation();
    // MuJoCo resets a simulation whose state diverges (time back to 0) and goes on: such a step
    // ends the episode with a NaN reward, so the rollout is counted and dropped, not scored. Seen by
    // the clock (MuJoCo's warning counters cost ~13 µs to read): all but a reset in the first mj_step
    // of an episode that starts at time 0.
    const diverged = p.time < timeBefore + (this.task.frameSkip - 0.5) * p.timestep;
    const healthy = !diverged && this.isHealthy();
    const t = this.task;
    const reward = diverged
      ? Number.NaN
      : (t.forward.weight * (xAfter - xBefore)) / this.dt +
        (healthy || t.terminateWhenUnhealthy ? t.healthyReward : 0) -
        t.ctrlCost * ctrlSq;
    const terminated = diverged || (t.terminateWhenUnhealthy && !healthy);
    // as Gymnasium's TimeLimit: truncated at the limit even when the same step also terminates
    const truncated = this.elapsedSteps >= this.spec.maxEpisodeSteps;
    if (terminated || truncated) this.running = false;
    return { observation, reward, terminated, truncated };
  }

  /** Healthy: the bounds of the task's `healthy` hold and the state is finite. */
  isHealthy(): boolean {
    const p = this.physics;
    const qpos = p.qpos;
    const qvel = p.qvel;
    const h = this.task.healthy;
    const bound = h?.stateBound ?? Number.POSITIVE_INFINITY;
    for (const i of this.names.observedQpos) if (!(Math.abs(qpos[i]!) < bound)) return false;
    for (let i = 0; i < p.nv; i++) if (!(Math.abs(qvel[i]!) < bound)) return false;
    if (h === undefined) return true;
    if (!within(p.bodyPosition(this.names.healthyBody)[2], h.zRange)) return false;
    return this.names.angleQpos < 0 || within(qpos[this.names.angleQpos]!, h.angleRange);
  }

  getState(): EnvState {
    return { physics: this.physics.getState(), elapsedSteps: this.elapsedSteps };
  }

  setState(state: EnvState): Float64Array {
    this.physics.setState(state.physics);
    this.elapsedSteps = state.elapsedSteps;
    this.running =
      state.elapsedSteps < this.spec.maxEpisodeSteps &&
      (!this.task.terminateWhenUnhealthy || this.isHealthy());
    return this.observation();
  }

  close(): void {
    this.physics.close();
  }

  private observation(): Float64Array {
    const p = this.physics;
    const qpos = p.qpos;
    const qvel = p.qvel;
    const observed = this.names.observedQpos;
    const clip = this.task.observation.velocityClip;
    const o = new Float64Array(this.spec.observationSize);
    for (let i = 0; i < observed.length; i++) o[i] = qpos[observed[i]!]!;
    for (let i = 0; i < p.nv; i++) o[observed.length + i] = Math.min(clip, Math.max(-clip, qvel[i]!));
    return o;
  }
}

/** A factory of the task's environments (the module must be loaded: see loadMujoco). */
export const mujocoEnvFactory =
  (mj: Mujoco, task: MujocoTask): EnvFactory =>
  (options) =>
    new MujocoEnv(mj, task, options);

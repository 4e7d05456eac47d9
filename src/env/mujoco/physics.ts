// One MuJoCo simulation (an MjModel and its MjData in the WebAssembly module's memory): stepping with a
// control vector, the full physics state as one float64 vector, and lookups of bodies and joints by name.
import type { MjData, MjModel } from 'mujoco-js';
import type { Mujoco } from './wasm.ts';

/** MuJoCo's joint types (mjtJoint). */
export const JOINT_FREE = 0;
export const JOINT_BALL = 1;
export const JOINT_SLIDE = 2;
export const JOINT_HINGE = 3;

/**
 * A simulation that owns its model and data; close() frees both. The arrays MuJoCo exposes are views
 * onto the module's memory that go stale if that memory grows, so each is fetched where it is used.
 *
 * The state vector (stateSize floats) is [time, qpos (nq), qvel (nv), act (na), qacc_warmstart (nv)]:
 * MuJoCo's integration state, warm start included, so that a simulation set from it steps bit for bit
 * like the one it was taken from.
 */
export class MujocoPhysics {
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly na: number;
  readonly stateSize: number;
  /** Seconds per mj_step (the model's option timestep). */
  readonly timestep: number;
  private readonly data: MjData;
  private closed = false;

  constructor(
    private readonly mj: Mujoco,
    private readonly model: MjModel,
  ) {
    this.data = new mj.MjData(model);
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    this.na = model.na;
    this.stateSize = 1 + this.nq + 2 * this.nv + this.na;
    this.timestep = model.opt.timestep;
  }

  get qpos(): Float64Array {
    return this.data.qpos as Float64Array;
  }
  get qvel(): Float64Array {
    return this.data.qvel as Float64Array;
  }
  get time(): number {
    return this.data.time;
  }
  /** The model's reference configuration (qpos at rest, as written in the MJCF). */
  get qpos0(): Float64Array {
    return this.model.qpos0 as Float64Array;
  }

  /** Per actuator [low, high] of ctrlrange, or [-Inf, Inf] where the control is not limited. */
  controlRanges(): { lowU: Float64Array; highU: Float64Array } {
    const limited = this.model.actuator_ctrllimited as Uint8Array;
    const range = this.model.actuator_ctrlrange as Float64Array;
    const lowU = new Float64Array(this.nu);
    const highU = new Float64Array(this.nu);
    for (let u = 0; u < this.nu; u++) {
      lowU[u] = limited[u] ? range[2 * u]! : Number.NEGATIVE_INFINITY;
      highU[u] = limited[u] ? range[2 * u + 1]! : Number.POSITIVE_INFINITY;
    }
    return { lowU, highU };
  }

  /** Id of a named body or joint, or -1. */
  bodyId(name: string): number {
    return this.mj.mj_name2id(this.model, this.mj.mjtObj.mjOBJ_BODY.value, name);
  }
  jointId(name: string): number {
    return this.mj.mj_name2id(this.model, this.mj.mjtObj.mjOBJ_JOINT.value, name);
  }
  jointType(joint: number): number {
    return (this.model.jnt_type as Int32Array)[joint]!;
  }
  /** Index of the joint's first coordinate in qpos. */
  jointQposAddress(joint: number): number {
    return (this.model.jnt_qposadr as Int32Array)[joint]!;
  }
  get jointCount(): number {
    return this.model.njnt;
  }

  /** World position of a body's frame (valid after step, setState or reset). */
  bodyPosition(body: number): [number, number, number] {
    const xpos = this.data.xpos as Float64Array;
    return [xpos[3 * body]!, xpos[3 * body + 1]!, xpos[3 * body + 2]!];
  }

  /** MuJoCo's default state (mj_resetData: qpos0, zero velocities, time 0). */
  reset(): void {
    this.mj.mj_resetData(this.model, this.data);
  }

  /** Recomputes body positions from qpos (mj_kinematics); touches no state variable. */
  kinematics(): void {
    this.mj.mj_kinematics(this.model, this.data);
  }

  /**
   * Holds `ctrlU` for `substeps` calls of mj_step, then recomputes body positions (mj_kinematics) so
   * that bodyPosition() is of the state reached, not of the one before the last substep.
   */
  step(ctrlU: Float64Array, substeps: number): void {
    (this.data.ctrl as Float64Array).set(ctrlU);
    for (let s = 0; s < substeps; s++) this.mj.mj_step(this.model, this.data);
    this.kinematics();
  }

  getState(): Float64Array {
    const d = this.data;
    const stateS = new Float64Array(this.stateSize);
    stateS[0] = d.time;
    let at = 1;
    for (const part of [d.qpos, d.qvel, d.act, d.qacc_warmstart] as Float64Array[]) {
      stateS.set(part, at);
      at += part.length;
    }
    return stateS;
  }

  /** Sets the state (layout above) and recomputes body positions from it. */
  setState(stateS: Float64Array): void {
    if (stateS.length !== this.stateSize)
      throw new RangeError(`MuJoCo state: ${stateS.length} floats, expected ${this.stateSize}`);
    const d = this.data;
    d.time = stateS[0]!;
    let at = 1;
    for (const part of [d.qpos, d.qvel, d.act, d.qacc_warmstart] as Float64Array[]) {
      part.set(stateS.subarray(at, at + part.length));
      at += part.length;
    }
    this.kinematics();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.data.delete();
    this.model.delete();
  }
}

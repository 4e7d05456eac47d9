// esgrad's own planar hopper (MJCF written for esgrad, not Gymnasium's or dm_control's model): a torso,
// thigh, shin and foot of capsules in the x-z plane on root slides x, z and pitch, driven at hip, knee, ankle.
import type { MujocoTask } from './task-spec.ts';

/**
 * Body frames sit at the joints: torso centre 1.15 m up, hip 0.95, knee 0.55, ankle 0.10; the foot's
 * capsule touches the floor (radius 0.06 at height 0.06). Density 1000 gives 4.5 / 2.9 / 2.5 / 3.6 kg.
 * Angles are in radians; a positive angle about +y swings a limb pointing down toward −x (backward),
 * so the hip flexes forward at negative angles and the knee folds backward at positive ones.
 */
export const PLANAR_HOPPER_MJCF = `<mujoco model="esgrad-planar-hopper">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="0.002"/>
  <default>
    <joint armature="0.5" damping="0.5" limited="true"/>
    <geom type="capsule" density="1000" friction="0.9 0.005 0.0001" rgba="0.75 0.55 0.35 1"/>
    <motor ctrlrange="-1 1" gear="150"/>
  </default>
  <worldbody>
    <light pos="0 0 3" dir="0 0 -1"/>
    <geom name="ground" type="plane" size="200 2 0.1" rgba="0.85 0.85 0.85 1"/>
    <body name="torso" pos="0 0 1.15">
      <joint name="root_x" type="slide" axis="1 0 0" limited="false" armature="0" damping="0"/>
      <joint name="root_z" type="slide" axis="0 0 1" limited="false" armature="0" damping="0"/>
      <joint name="root_pitch" type="hinge" axis="0 1 0" limited="false" armature="0" damping="0"/>
      <geom name="torso" fromto="0 0 -0.2 0 0 0.2" size="0.055"/>
      <body name="thigh" pos="0 0 -0.2">
        <joint name="hip" type="hinge" axis="0 1 0" range="-2.4 0.3"/>
        <geom name="thigh" fromto="0 0 0 0 0 -0.4" size="0.045"/>
        <body name="shin" pos="0 0 -0.4">
          <joint name="knee" type="hinge" axis="0 1 0" range="-0.1 2.4"/>
          <geom name="shin" fromto="0 0 0 0 0 -0.45" size="0.04"/>
          <body name="foot" pos="0 0 -0.45">
            <joint name="ankle" type="hinge" axis="0 1 0" range="-0.8 0.8"/>
            <geom name="foot" fromto="-0.07 0 -0.04 0.17 0 -0.04" size="0.06"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="hip" joint="hip"/>
    <motor name="knee" joint="knee"/>
    <motor name="ankle" joint="ankle"/>
  </actuator>
</mujoco>
`;

/**
 * Reward: forward velocity of the torso + 1 per step alive − 0.001 Σ action²; unhealthy (episode ends)
 * when the torso's centre drops to 0.7 m, the torso pitches past ±0.25 rad, or any observed value
 * reaches 100 in magnitude. 1000 steps of 4 × 2 ms.
 */
export const PLANAR_HOPPER: MujocoTask = {
  name: 'planar-hopper',
  mjcfText: PLANAR_HOPPER_MJCF,
  mjcfLabel: 'planar-hopper (built-in MJCF)',
  frameSkip: 4,
  maxSteps: 1000,
  forward: { body: 'torso', weight: 1 },
  ctrlCost: 0.001,
  healthyReward: 1,
  healthy: { zRange: [0.7, null], angleJoint: 'root_pitch', angleRange: [-0.25, 0.25], stateBound: 100 },
  terminateWhenUnhealthy: true,
  observation: { exclude: ['root_x'], velocityClip: 10 },
  resetNoise: 0.005,
};

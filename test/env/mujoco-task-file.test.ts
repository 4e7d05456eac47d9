// A user's MuJoCo task: a JSON file naming an MJCF model and its observation, reward and termination;
// the env follows the file, and every bad file is one UsageError line naming what is wrong.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadedMujocoTaskFactory, mujocoTaskFactory } from '../../src/env/mujoco/tasks.ts';
import { UsageError } from '../../src/types.ts';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'esgrad-mujoco-task-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A planar sled: a box on root slides x, z and a pitch hinge, with one motorised paddle. */
const SLED = `<mujoco model="sled">
  <option timestep="0.005"/>
  <worldbody>
    <geom type="plane" size="50 1 0.1"/>
    <body name="base" pos="0 0 0.1">
      <joint name="x" type="slide" axis="1 0 0"/>
      <joint name="z" type="slide" axis="0 0 1"/>
      <joint name="pitch" type="hinge" axis="0 1 0"/>
      <geom type="box" size="0.2 0.1 0.05" density="500"/>
      <body name="paddle" pos="-0.2 0 0">
        <joint name="swing" type="hinge" axis="0 1 0" range="-60 60" damping="0.1"/>
        <geom type="capsule" fromto="0 0 0 -0.2 0 -0.1" size="0.02"/>
      </body>
    </body>
  </worldbody>
  <actuator><motor joint="swing" ctrlrange="-2 2" gear="5"/></actuator>
</mujoco>`;

let fileCount = 0;
/** Writes the MJCF and a task file around it; returns the task file's path. */
function taskFile(task: Record<string, unknown> | string, mjcf = SLED): string {
  const n = fileCount++;
  writeFileSync(join(dir, `robot-${n}.xml`), mjcf);
  const path = join(dir, `task-${n}.json`);
  writeFileSync(path, typeof task === 'string' ? task : JSON.stringify({ mjcf: `robot-${n}.xml`, ...task }));
  return path;
}

const sled = { forward: { body: 'base', weight: 2 }, ctrlCost: 0.1, frameSkip: 5, maxSteps: 50 };

test('a task file: spaces from the MJCF, the first slide left out of the observation, its reward formula', async () => {
  const path = taskFile(sled);
  const factory = await mujocoTaskFactory(path);
  assert.equal(loadedMujocoTaskFactory(path), factory, 'read and checked once, then synchronous');
  const env = factory();
  // qpos [x, z, pitch, swing] without x, then qvel of the 4 dofs
  assert.equal(env.spec.observationSize, 3 + 4);
  assert.deepEqual(env.spec.actionSpace, {
    kind: 'continuous',
    lowA: Float64Array.of(-2),
    highA: Float64Array.of(2),
  });
  assert.equal(env.spec.maxEpisodeSteps, 50);
  env.reset(4);
  let steps = 0;
  for (let t = 0; t < 50; t++) {
    const xBefore = env.getState().physics[1]!;
    const action = Float64Array.of(3 * Math.sin(t / 2));
    const r = env.step(action);
    steps++;
    const xAfter = env.getState().physics[1]!;
    const a = Math.max(-2, Math.min(2, action[0]!));
    const expected = (2 * (xAfter - xBefore)) / (0.005 * 5) - 0.1 * a * a;
    assert.ok(Math.abs(r.reward - expected) < 1e-9, `${r.reward} vs ${expected}`);
    assert.equal(r.terminated, false); // no healthy bounds: never terminates
    if (r.truncated) break;
  }
  assert.equal(steps, 50);
  env.close();
});

test('a task file: healthy bounds on a named body and hinge end the episode; exclude names joints', async () => {
  const path = taskFile({
    ...sled,
    healthyReward: 0.5,
    healthy: { body: 'paddle', zRange: [null, 0.05], angleJoint: 'pitch', angleRange: [-1, 1] },
    observation: { exclude: ['x', 'z'], velocityClip: 0.001 },
  });
  const env = (await mujocoTaskFactory(path))();
  assert.equal(env.spec.observationSize, 2 + 4);
  const o = env.reset(1);
  for (const v of o.subarray(2)) assert.ok(Math.abs(v) <= 0.001);
  // the paddle's frame starts at 0.1 m: above zRange's 0.05, so the first step ends the episode
  const r = env.step(Float64Array.of(0));
  assert.equal(r.terminated, true);
  env.close();
});

test('a simulation MuJoCo resets as diverged ends the episode with a NaN reward (the rollout is dropped)', async () => {
  const env = (await mujocoTaskFactory(taskFile(sled)))();
  env.reset(1);
  const { physics } = env.getState();
  physics[0] = 2; // time
  physics[1 + 4 + 3] = 1e11; // qvel of the paddle's hinge beyond MuJoCo's bound (1e10)
  env.setState({ physics, elapsedSteps: 0 });
  const r = env.step(Float64Array.of(0));
  assert.ok(Number.isNaN(r.reward));
  assert.equal(r.terminated, true);
  // a sound step from the same start is finite and goes on
  env.reset(1);
  const ok = env.step(Float64Array.of(0));
  assert.ok(Number.isFinite(ok.reward) && !ok.terminated);
  env.close();
});

test('examples/mujoco/crawler.json: loads, and legs swinging out of phase move the plank forward', async () => {
  const env = (await mujocoTaskFactory(join(ROOT, 'examples/mujoco/crawler.json')))();
  assert.equal(env.spec.observationSize, 4 + 5); // qpos [z, pitch, front_hip, back_hip], qvel of 5 dofs
  assert.equal(env.spec.maxEpisodeSteps, 500);
  let xEnd = 0;
  for (const phase of [0, -1.5]) {
    env.reset(1);
    let ret = 0;
    for (let t = 0; t < 500; t++) {
      const r = env.step(Float64Array.of(Math.sin(t / 4), Math.sin(t / 4 + phase)));
      ret += r.reward;
      if (r.terminated || r.truncated) break;
    }
    xEnd = env.getState().physics[1]!;
    assert.ok(Number.isFinite(ret));
  }
  assert.ok(xEnd > 1, `the plank reached x = ${xEnd}`);
  env.close();
  // the README shows the file as it is
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const file = readFileSync(join(ROOT, 'examples/mujoco/crawler.json'), 'utf8');
  assert.ok(readme.includes(`\`examples/mujoco/crawler.json\`:\n\n\`\`\`json\n${file}\`\`\``));
});

/** The UsageError a task file gives, checked to be one line. */
async function refusal(path: string): Promise<string> {
  const error = await mujocoTaskFactory(path).then(
    () => assert.fail(`${path} was accepted`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof UsageError, String(error));
  assert.doesNotMatch(error.message, /\n/);
  return error.message;
}

test('a bad task file is one UsageError line naming the file, the field or MuJoCo reason', async () => {
  assert.match(
    await refusal(join(dir, 'absent.json')),
    /task file .*absent\.json: cannot read it \(ENOENT\)/,
  );
  assert.match(await refusal(taskFile('{"mjcf": ')), /task-\d+\.json: not valid JSON/);
  assert.match(
    await refusal(taskFile({ ...sled, frameskip: 4 })),
    /task-\d+\.json: frameskip: unknown field/,
  );
  assert.match(await refusal(taskFile({ ...sled, frameSkip: 0 })), /frameSkip: got 0; /);
  assert.match(await refusal(taskFile({ ctrlCost: 1 })), /forward: missing/);
  assert.match(
    await refusal(taskFile({ ...sled, healthy: { angleRange: [-1, 1] } })),
    /healthy: .*angleRange and angleJoint go together/,
  );
  assert.match(
    await refusal(taskFile({ ...sled, healthy: { zRange: [1, 0] } })),
    /healthy\.zRange: got \[1,0\]; low must be below high/,
  );
  assert.match(
    await refusal(taskFile({ ...sled, mjcf: 'nope.xml' })),
    /MJCF file .*nope\.xml: cannot read it \(ENOENT\)/,
  );
  assert.match(
    await refusal(taskFile({ ...sled, forward: { body: 'head' } })),
    /forward\.body: "head" is not a body of .*robot-\d+\.xml/,
  );
  assert.match(
    await refusal(taskFile({ ...sled, healthy: { angleJoint: 'x', angleRange: [-1, 1] } })),
    /healthy\.angleJoint: "x" is not a hinge joint/,
  );
  assert.match(
    await refusal(taskFile({ ...sled, observation: { exclude: ['root'] } })),
    /observation\.exclude: "root" is not a joint/,
  );
  assert.match(
    await refusal(taskFile(sled, SLED.replace('range="-60 60"', 'range="60"'))),
    /robot-\d+\.xml: MuJoCo rejected the model: XML Error: attribute 'range' does not have enough data; Element 'joint', line 11/,
  );
  assert.match(
    await refusal(taskFile(sled, SLED.replace('joint="swing"', 'joint="wing"'))),
    /MuJoCo rejected the model: Error: unknown transmission target 'wing'/,
  );
  assert.match(
    await refusal(taskFile(sled, SLED.replace('</mujoco>', ''))),
    /MuJoCo rejected the model: XML parse error/,
  );
  assert.match(
    await refusal(taskFile(sled, SLED.replace(/<actuator>.*<\/actuator>/, ''))),
    /robot-\d+\.xml has no actuator to control/,
  );
  // the module still compiles a good model after the errors thrown out of it
  (await mujocoTaskFactory(taskFile(sled)))().close();
});

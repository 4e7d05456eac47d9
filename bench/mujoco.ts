// MuJoCo through mujoco-js on one core: planar-hopper environment steps (4 × mj_step, observation,
// reward, health, resets when an episode ends), the bare mj_step beneath them, and building one env.
import type { Env } from '../src/env/env.ts';
import { PLANAR_HOPPER_MJCF } from '../src/env/mujoco/planar-hopper.ts';
import { mujocoTaskFactory } from '../src/env/mujoco/tasks.ts';
import { compileMjcf, loadMujoco } from '../src/env/mujoco/wasm.ts';
import type { BenchRow } from './table.ts';
import { median } from './timing.ts';

/** Seconds per call of `run(count)` divided by count: the median of `repeats` samples after a warm-up. */
function perItem(run: (count: number) => void, count: number, repeats: number): number {
  run(count); // warm-up: WebAssembly tiers up from the baseline compiler
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    run(count);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9 / count);
  }
  return median(samples);
}

/** Steps with a slow periodic gait (episodes last ~100-200 steps), resetting when one ends. */
function walk(env: Env, steps: number): void {
  const action = new Float64Array(3);
  let seed = 0;
  env.reset(seed);
  for (let t = 0; t < steps; t++) {
    action[0] = 0.3 * Math.sin(t / 10);
    action[1] = 0.3 * Math.cos(t / 10);
    const r = env.step(action);
    if (r.terminated || r.truncated) env.reset(++seed);
  }
}

export async function benchMujoco(quick: boolean): Promise<BenchRow[]> {
  const repeats = quick ? 3 : 7;
  const steps = quick ? 2000 : 20_000;
  const mj = await loadMujoco();
  const factory = await mujocoTaskFactory('planar-hopper');
  const env = factory();
  const envStep = perItem((n) => walk(env, n), steps, repeats);
  env.close();

  const model = compileMjcf(mj, PLANAR_HOPPER_MJCF, 'bench');
  const data = new mj.MjData(model);
  const mjStep = perItem(
    (n) => {
      mj.mj_resetData(model, data);
      for (let i = 0; i < n; i++) mj.mj_step(model, data);
    },
    4 * steps,
    repeats,
  );
  data.delete();
  model.delete();

  const create = perItem(
    (n) => {
      for (let i = 0; i < n; i++) factory().close();
    },
    20,
    repeats,
  );
  return [
    {
      section: 'control',
      name: 'planar-hopper env step (4 x mj_step)',
      seconds: envStep,
      rate: 1 / envStep,
      unit: 'steps/s',
      note: 'one core; resets included',
    },
    {
      section: 'control',
      name: 'planar-hopper bare mj_step',
      seconds: mjStep,
      rate: 1 / mjStep,
      unit: 'mj_step/s',
      note: 'mujoco-js through its bindings, no env',
    },
    {
      section: 'control',
      name: 'planar-hopper env creation',
      seconds: create,
      rate: 1 / create,
      unit: 'envs/s',
      note: 'compiles the MJCF, then frees it',
    },
  ];
}

// Control tasks on one core: classic-control env steps, the MLP policy forward in plain TypeScript (one
// offspring, one step), and the same forward for K offspring in ONE ONNX Runtime call (batched MatMul).
import * as ort from 'onnxruntime-node';
import { VecEnv } from '../src/env/env.ts';
import { initPolicy, type PolicySpec, policyForward, policyParamCount } from '../src/env/policy.ts';
import { taskFactory } from '../src/env/tasks.ts';
import { GraphBuilder } from '../src/model/onnx-builder.ts';
import type { BenchRow } from './table.ts';
import { benchSession, median, randomF32 } from './timing.ts';

/** Seconds per item of run(count): the median of `repeats` samples after one warm-up. */
function perItem(run: (count: number) => void, count: number, repeats: number): number {
  run(count);
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    run(count);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9 / count);
  }
  return median(samples);
}

/** K policies [O → H → H → A] as batched MatMuls: x [K,1,O] · W1 [K,O,H] ..., weights fed as inputs. */
function batchedMlpGraph(K: number, O: number, H: number, A: number): Uint8Array {
  const g = new GraphBuilder(`mlp-${K}x${O}-${H}-${H}-${A}`);
  g.input('x', 'float32', [K, 1, O]);
  const dims: [string, number, number][] = [
    ['w1', O, H],
    ['w2', H, H],
    ['w3', H, A],
  ];
  let h = 'x';
  for (const [i, [w, nIn, nOut]] of dims.entries()) {
    g.input(w, 'float32', [K, nIn, nOut]);
    g.input(`b${i + 1}`, 'float32', [K, 1, nOut]);
    const z = g.op1('Add', [g.op1('MatMul', [h, w]), `b${i + 1}`]);
    h = i < 2 ? g.op1('Tanh', [z]) : z;
  }
  g.op1('Identity', [h], {}, 'y');
  g.output('y', 'float32', [K, 1, A]);
  return g.toBytes();
}

export async function benchControlPolicy(quick: boolean): Promise<BenchRow[]> {
  const repeats = quick ? 3 : 7;
  const rows: BenchRow[] = [];
  for (const task of ['cartpole', 'acrobot', 'pendulum']) {
    const vec = new VecEnv(taskFactory(task), 32);
    const actionsKA = new Float64Array(32);
    let seed = 0;
    vec.reset(Array.from({ length: 32 }, () => seed++));
    const s = perItem(
      (n) => {
        for (let done = 0; done < n; done += 32) {
          if (!vec.step(actionsKA)) vec.reset(Array.from({ length: 32 }, () => seed++));
        }
      },
      quick ? 3200 : 32_000,
      repeats,
    );
    vec.close();
    rows.push({
      section: 'control',
      name: `${task} env step`,
      seconds: s,
      rate: 1 / s,
      unit: 'steps/s',
      note: 'one core, VecEnv of 32',
    });
  }
  for (const [O, H, A] of [
    [4, 32, 2],
    [17, 64, 6],
  ] as const) {
    const spec: PolicySpec = { observationSize: O, hidden: [H, H], actionSpace: { kind: 'discrete', n: A } };
    const thetaP = initPolicy(spec, 1);
    const forward = policyForward(spec);
    const obs = Float64Array.from(randomF32(O, 3));
    const action = new Float64Array(1);
    const ts = perItem(
      (n) => {
        for (let i = 0; i < n; i++) {
          obs[0] = i * 1e-6;
          forward(thetaP, obs, action);
        }
      },
      quick ? 2000 : 20_000,
      repeats,
    );
    const flops = 2 * (policyParamCount(spec) - 2 * H - A);
    rows.push({
      section: 'control',
      name: `policy ${O}-${H}-${H}-${A} forward, TypeScript`,
      seconds: ts,
      rate: 1 / ts,
      unit: 'offspring-steps/s',
      gflops: flops / ts / 1e9,
      note: 'one offspring, one step',
    });
    for (const K of [8, 32, 128]) rows.push(await ortRow(K, O, H, A, flops, quick, repeats));
  }
  return rows;
}

/** The forward of K policies in one session.run (1 thread): seconds per call, offspring-steps/s. */
async function ortRow(
  K: number,
  O: number,
  H: number,
  A: number,
  flops: number,
  quick: boolean,
  repeats: number,
): Promise<BenchRow> {
  const session = await benchSession(batchedMlpGraph(K, O, H, A), { threads: 1 });
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor('float32', randomF32(K * O, 4), [K, 1, O]),
    w1: new ort.Tensor('float32', randomF32(K * O * H, 5), [K, O, H]),
    b1: new ort.Tensor('float32', randomF32(K * H, 6), [K, 1, H]),
    w2: new ort.Tensor('float32', randomF32(K * H * H, 7), [K, H, H]),
    b2: new ort.Tensor('float32', randomF32(K * H, 8), [K, 1, H]),
    w3: new ort.Tensor('float32', randomF32(K * H * A, 9), [K, H, A]),
    b3: new ort.Tensor('float32', randomF32(K * A, 10), [K, 1, A]),
  };
  const calls = quick ? 50 : 500;
  const samples: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await session.run(feeds);
    if (r > 0) samples.push(Number(process.hrtime.bigint() - t0) / 1e9 / calls);
  }
  await session.release();
  const perCall = median(samples);
  return {
    section: 'control',
    name: `policy ${O}-${H}-${H}-${A} forward, ORT`,
    batch: K,
    seconds: perCall,
    rate: K / perCall,
    unit: 'offspring-steps/s',
    gflops: (K * flops) / perCall / 1e9,
    note: `${K} offspring x one step per session.run, 1 thread`,
  };
}

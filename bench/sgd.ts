// One SGD step of the paper's networks at batch 50 as the SGD run takes it: Network.lossAndGrad (the
// derived backward graph on ORT's NCHWc kernels) then the fused Adam step, alternating (Adam's 52 MB of
// traffic cools the caches the graph reuses); GFLOP/s = 3 forward passes. Beside it, the standard-ops graph.
import { Network } from '../src/backend/network.ts';
import { forwardMacsPerExample, getArchitecture } from '../src/model/architecture.ts';
import { initParams } from '../src/model/init.ts';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../src/optim/index.ts';
import type { Batch } from '../src/types.ts';
import { BENCH_MODELS } from './forward.ts';
import type { BenchRow } from './table.ts';
import { median, randomBatch, timeIt } from './timing.ts';

/** Medians of whole steps and of their two parts, lossAndGrad then Adam, alternating as a run does. */
async function timeSteps(
  net: Network,
  batch: Batch,
  repeats: number,
): Promise<{ step: number; grad: number; adam: number }> {
  const opt = createOptimizer(DEFAULT_OPTIMIZER); // chain(addWeightDecay(0), adam), as training uses
  let thetaP = initParams(net.layout, 1);
  let state = opt.init(thetaP);
  const grad: number[] = [];
  const adam: number[] = [];
  const step = await timeIt(
    async () => {
      const t0 = performance.now();
      const { gradP } = await net.lossAndGrad(thetaP, batch);
      const t1 = performance.now();
      // as src/run/sgd.ts after its first step: θ, m and v overwritten in place
      ({ thetaP, state } = opt.step(gradP, state, thetaP, { state: true, thetaP }));
      grad.push(t1 - t0);
      adam.push(performance.now() - t1);
    },
    repeats,
    2,
  );
  await net.close();
  const ms = (xs: number[]): number => median(xs.slice(2)) / 1e3;
  return { step: step.median, grad: ms(grad), adam: ms(adam) };
}

export async function benchSgd(repeats: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const batch = randomBatch(50);
  for (const model of BENCH_MODELS) {
    const arch = getArchitecture(model);
    const flops = 3 * 2 * forwardMacsPerExample(arch) * 50;
    const row = (name: string, t: { step: number; grad: number; adam: number }, note: string): BenchRow => ({
      section: 'sgd step',
      name,
      batch: 50,
      seconds: t.step,
      rate: 1 / t.step,
      unit: 'steps/s',
      gflops: flops / t.step / 1e9,
      note: `lossAndGrad ${(t.grad * 1e3).toFixed(2)} ms + Adam ${(t.adam * 1e3).toFixed(2)} ms; ${note}`,
    });
    rows.push(row(model, await timeSteps(new Network(arch), batch, repeats), 'FLOPs = 3x forward'));
    const plain = await timeSteps(new Network(arch, { nchwc: false }), batch, repeats);
    rows.push(row(`${model}, standard ops`, plain, 'the gradient graph without NCHWc kernels'));
  }
  return rows;
}

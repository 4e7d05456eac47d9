// One SGD step of the paper's networks at batch 50: Network.lossAndGrad (forward + derived backward
// graph, on ORT's NCHWc kernels where the build has them) then the fused Adam step of θ in JS, as the
// SGD run takes it; GFLOP/s = 3 forward passes. Beside it, the same step with the standard-ops
// gradient graph (the graph before issue 14), measured in the same run.
import { Network } from '../src/backend/network.ts';
import { forwardMacsPerExample } from '../src/model/architecture.ts';
import { initParams } from '../src/model/init.ts';
import { createOptimizer, DEFAULT_OPTIMIZER } from '../src/optim/index.ts';
import type { Vec } from '../src/types.ts';
import { BENCH_MODELS } from './forward.ts';
import type { BenchRow } from './table.ts';
import { randomBatch, timeIt } from './timing.ts';

export async function benchSgd(repeats: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const batch = randomBatch(50);
  for (const model of BENCH_MODELS) {
    const net = Network.byName(model);
    const opt = createOptimizer(DEFAULT_OPTIMIZER); // chain(addWeightDecay(0), adam), as training uses
    let thetaP = initParams(net.layout, 1);
    let state = opt.init(thetaP);
    let gradP: Vec = new Float32Array(net.size);
    const grad = await timeIt(async () => ({ gradP } = await net.lossAndGrad(thetaP, batch)), repeats, 2);
    await net.close();
    const update = await timeIt(
      () => {
        // as src/run/sgd.ts after its first step: θ, m and v overwritten in place
        ({ thetaP, state } = opt.step(gradP, state, thetaP, { state: true, thetaP }));
      },
      repeats,
      2,
    );
    const plainNet = Network.byName(model, { nchwc: false });
    const plain = await timeIt(() => plainNet.lossAndGrad(thetaP, batch), repeats, 2);
    await plainNet.close();
    const flops = 3 * 2 * forwardMacsPerExample(net.arch) * 50;
    const row = (name: string, gradSeconds: number, note: string): BenchRow => {
      const seconds = gradSeconds + update.median;
      return {
        section: 'sgd step',
        name,
        batch: 50,
        seconds,
        rate: 1 / seconds,
        unit: 'steps/s',
        gflops: flops / seconds / 1e9,
        note: `lossAndGrad ${(gradSeconds * 1e3).toFixed(2)} ms + Adam ${(update.median * 1e3).toFixed(2)} ms; ${note}`,
      };
    };
    rows.push(row(model, grad.median, 'FLOPs = 3x forward'));
    rows.push(row(`${model}, standard ops`, plain.median, 'the gradient graph without NCHWc kernels'));
  }
  return rows;
}

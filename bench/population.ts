// Population evaluation through Network.populationLosses, as the ES evaluators run it: K offspring
// (mirrored pairs) per session.run on a shared mini-batch of 50, and on K batches of their own.
import { Network } from '../src/backend/network.ts';
import { defaultCopiesPerRun } from '../src/evaluate/local.ts';
import { type Architecture, forwardMacsPerExample, getArchitecture } from '../src/model/architecture.ts';
import { initParams } from '../src/model/init.ts';
import { parseArchitecture } from '../src/model/spec.ts';
import { BENCH_MODELS } from './forward.ts';
import type { BenchRow } from './table.ts';
import { randomBatch, randomF32, timeIt } from './timing.ts';

export const POPULATION_BATCH = 50;
/** Also measured when the evaluators' default K differs: more copies per run amortise more. */
const ALSO_K = 10;

/**
 * A network from a spec, as a user writes one: cnn-29k's shape with 3×3 kernels, tanh and average
 * pooling (the layer kinds the built-ins do not use), through the same per-layer emitters.
 */
export const BENCH_SPEC: Architecture = parseArchitecture(
  {
    name: 'spec 3×3/tanh/avgpool',
    input: [1, 28, 28],
    layers: [
      { kind: 'conv2d', filters: 16, kernel: 3 },
      { kind: 'tanh' },
      { kind: 'avgpool', kernel: 2 },
      { kind: 'conv2d', filters: 32, kernel: 3 },
      { kind: 'relu' },
      { kind: 'maxpool', kernel: 2 },
      { kind: 'flatten' },
      { kind: 'dense', units: 10 },
    ],
  },
  'bench',
);

/** K = the evaluators' default for the network (defaultCopiesPerRun), and ALSO_K on a shared batch. */
export async function benchPopulation(repeats: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const arch of [...BENCH_MODELS.map(getArchitecture), BENCH_SPEC]) {
    const model = arch.name;
    const net = new Network(arch);
    const thetaP = initParams(net.layout, 1);
    const noise = randomF32(net.size + 100_000, 3);
    const flopPerOffspring = 2 * forwardMacsPerExample(net.arch) * POPULATION_BATCH;
    const shared = randomBatch(POPULATION_BATCH);
    const defaultK = defaultCopiesPerRun(net.size);
    const runs: [number, string][] = [
      [defaultK, 'shared batch'],
      [defaultK, 'own batches'],
    ];
    if (defaultK !== ALSO_K) runs.push([ALSO_K, 'shared batch']);
    for (const [K, label] of runs) {
      // Mirrored pairs at scattered offsets, sigma = 0.002 (the paper's).
      const copies = Array.from({ length: K }, (_, k) => ({
        offset: 7919 * (k >> 1),
        coef: k % 2 ? -0.002 : 0.002,
      }));
      const batches =
        label === 'shared batch'
          ? copies.map(() => shared)
          : copies.map((_, k) => randomBatch(POPULATION_BATCH, 100 + k));
      const t = await timeIt(() => net.populationLosses(thetaP, noise, copies, batches), repeats, 2);
      const offspring = K / t.median;
      rows.push({
        section: 'population',
        name: model,
        batch: POPULATION_BATCH,
        seconds: t.median,
        rate: offspring,
        unit: 'offspring/s',
        gflops: (offspring * flopPerOffspring) / 1e9,
        note: `K=${K} per run${K === defaultK ? ' (evaluator default)' : ''}, ${label}`,
      });
    }
    await net.close();
  }
  return rows;
}

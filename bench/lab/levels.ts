// Lab: graphOptimizationLevel (basic / extended / all) for the old per-copy population graph and
// the new one (shared batch of 50, K copies), interleaved with spinning off.
import { forwardMacsPerExample, getArchitecture } from '../../src/model/architecture.ts';
import { populationGraph } from '../../src/model/graphs.ts';
import { benchSession } from '../timing.ts';
import { oldPopulationGraph } from './oldgraph.ts';
import { popData, popFeeds } from './popfeeds.ts';
import { compareVariants, type Variant } from './variants.ts';

const [model = 'cnn-29k', ks = '10', rounds = '9'] = process.argv.slice(2);
const arch = getArchitecture(model);
const K = Number(ks);
const d = popData(arch, 50);
const work = K * 2 * forwardMacsPerExample(arch) * 50;
const vs: Variant[] = [];
for (const [name, bytes] of [
  ['old graph', oldPopulationGraph(arch, K)],
  ['new graph', populationGraph(arch, K, { sharedBatch: true, nchwcBlock: 16 })],
] as const) {
  for (const level of ['basic', 'extended', 'all'] as const) {
    const s = await benchSession(bytes, { level });
    vs.push({
      label: `${model} K=${K} ${name}, level ${level}`,
      graph: bytes,
      feeds: popFeeds(s, arch, K, d),
      work,
      opts: { level },
    });
    await s.release();
  }
}
await compareVariants(vs, Number(rounds));

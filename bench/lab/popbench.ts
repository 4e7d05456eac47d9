// Lab: the old and new population graphs and the lab variants, interleaved, at batch 50, shared batch
// unless labelled (own batches: one per copy).
import { forwardMacsPerExample, getArchitecture } from '../../src/model/architecture.ts';
import { populationGraph } from '../../src/model/graphs.ts';
import { type BenchSessionOptions, benchSession } from '../timing.ts';
import { oldPopulationGraph } from './oldgraph.ts';
import { popData, popFeeds } from './popfeeds.ts';
import { type PopOptions, popGraph } from './popgraph.ts';
import { compareVariants, type Variant } from './variants.ts';

// usage: popbench.ts model K threads rounds [level] [regex of lab variants to include]
const [model = 'cnn-29k', ks = '10', threads = '0', rounds = '9', level = 'all', filter = ''] =
  process.argv.slice(2);
const arch = getArchitecture(model);
const K = Number(ks);
const opts: BenchSessionOptions = { threads: Number(threads), level: level as 'all' };
const d = popData(arch, 50);
const work = K * 2 * forwardMacsPerExample(arch) * 50;
const graphs: [string, Uint8Array][] = [
  ['old graph (per-copy subgraphs)', oldPopulationGraph(arch, K)],
  ['new graph (src/model, nchwc 16)', populationGraph(arch, K, { sharedBatch: true, nchwcBlock: 16 })],
  ['new graph, mirrored pairs', populationGraph(arch, K, { sharedBatch: true, nchwcBlock: 16, pairs: true })],
  ['new graph, own batches', populationGraph(arch, K, { nchwcBlock: 16 })],
  ['new graph, standard ops (nchwc off)', populationGraph(arch, K, { sharedBatch: true })],
];
const N16 = { shared: true, conv: 'grouped', nchwc: 16 } as const;
const variants: [string, PopOptions][] = [
  ['std ops, grouped conv, batched dense', { shared: true, pairs: false, dense: 'batched', conv: 'grouped' }],
  ['std ops, grouped conv, linear dense', { shared: true, pairs: false, dense: 'linear', conv: 'grouped' }],
  ['std ops, percopy conv, percopy dense', { shared: true, pairs: false, dense: 'percopy', conv: 'percopy' }],
  ['nchwc, batched dense KB', { ...N16, pairs: false, dense: 'batched', layout: 'KB' }],
  ['nchwc, percopy dense KB', { ...N16, pairs: false, dense: 'percopy', layout: 'KB' }],
  ['nchwc, percopy dense BK', { ...N16, pairs: false, dense: 'percopy', layout: 'BK' }],
  ['nchwc, linear dense KB', { ...N16, pairs: false, dense: 'linear', layout: 'KB' }],
  ['nchwc, linear dense BK', { ...N16, pairs: false, dense: 'linear', layout: 'BK' }],
  ['nchwc, pairs, batched dense KB', { ...N16, pairs: true, dense: 'batched', layout: 'KB' }],
  ['nchwc, pairs, linear dense KB', { ...N16, pairs: true, dense: 'linear', layout: 'KB' }],
  ['nchwc, pairs, linear dense BK', { ...N16, pairs: true, dense: 'linear', layout: 'BK' }],
  ['nchwc, pairs, mirrored materialised dense BK', { ...N16, pairs: true, dense: 'mirrored', layout: 'BK' }],
  [
    'nchwc, unshared batch, percopy dense BK',
    { ...N16, shared: false, pairs: false, dense: 'percopy', layout: 'BK' },
  ],
  [
    'nchwc, unshared batch, linear dense BK',
    { ...N16, shared: false, pairs: false, dense: 'linear', layout: 'BK' },
  ],
];
for (const [l, o] of variants)
  if (!filter || new RegExp(filter).test(l)) graphs.push([l, popGraph(arch, K, o)]);
const vs: Variant[] = [];
for (const [label, bytes] of graphs) {
  const s = await benchSession(bytes, opts); // only to learn input names
  vs.push({ label: `${model} K=${K} ${label}`, graph: bytes, feeds: popFeeds(s, arch, K, d), work, opts });
  await s.release();
}
await compareVariants(vs, Number(rounds));

// Lab: every lab population graph variant gives the losses of the old per-copy graph (pairs: the
// reference feeds window k>>1 to copy k), within 1e-6 relative.
import * as ort from 'onnxruntime-node';
import { getArchitecture } from '../../src/model/architecture.ts';
import { IO } from '../../src/model/graphs.ts';
import { benchSession } from '../timing.ts';
import { oldPopulationGraph } from './oldgraph.ts';
import { popData, popFeeds } from './popfeeds.ts';
import { type PopOptions, popGraph } from './popgraph.ts';

const K = 4;
for (const model of ['mlp', 'cnn-29k', 'cnn-3m']) {
  const arch = getArchitecture(model);
  const d = popData(arch, 20);
  const ref = await benchSession(oldPopulationGraph(arch, K));
  const rf = popFeeds(ref, arch, K, d);
  const refPairs = { ...rf };
  for (let k = 0; k < K; k++)
    for (const n of Object.keys(rf))
      if (n.startsWith(`e${k >> 1}/`)) refPairs[n.replace(`e${k >> 1}/`, `e${k}/`)] = rf[n]!;
  const lossesFor = async (f: Record<string, ort.Tensor>) =>
    (await ref.run(f))[IO.losses]!.data as Float32Array;
  const want = await lossesFor(rf),
    wantPairs = await lossesFor(refPairs);
  for (const shared of [true, false])
    for (const pairs of [false, true])
      for (const dense of ['batched', 'percopy', 'linear', 'mirrored'] as const)
        for (const conv of ['grouped', 'percopy'] as const)
          for (const nchwc of [0, 16])
            for (const layout of ['KB', 'BK'] as const) {
              if (
                (nchwc && conv === 'percopy') ||
                (layout === 'BK' && dense === 'batched') ||
                (dense === 'mirrored' && !pairs)
              )
                continue;
              const o: PopOptions = { shared, pairs, dense, conv, nchwc, layout };
              const s = await benchSession(popGraph(arch, K, o));
              const got = (await s.run(popFeeds(s, arch, K, d)))[IO.losses]!.data as Float32Array;
              const w = pairs ? wantPairs : want;
              const err = Math.max(...Array.from(got, (v, i) => Math.abs(v - w[i]!) / Math.abs(w[i]!)));
              console.log(
                `${model} ${JSON.stringify(o)} max rel err ${err.toExponential(2)}${err > 1e-6 ? '  <-- MISMATCH' : ''}`,
              );
              await s.release();
            }
}

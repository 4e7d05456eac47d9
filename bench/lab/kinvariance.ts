// Lab: is the loss of a copy bit-identical whatever K (copies per run) and intra-op threads it was
// evaluated with? (Differences are against K = 12 with 2 threads.)
import { Network } from '../../src/backend/network.ts';
import { initParams } from '../../src/model/init.ts';
import { randomF32 } from '../timing.ts';

const threadsList = [2, 1];
const refs = new Map<string, Float32Array>();
for (const model of ['mlp', 'cnn-29k', 'cnn-3m'])
  for (const threads of threadsList)
    for (const shared of [true, false]) {
      const net = Network.byName(model, { threads });
      const theta = initParams(net.layout, 3);
      const noise = randomF32(net.size + 100000, 9);
      const batch = (n: number, s: number) => ({
        imagesBxHxW: randomF32(n * 784, s).map(Math.abs),
        labelsB: Int32Array.from({ length: n }, (_, i) => (i * 3 + s) % 10),
        count: n,
      });
      const N = 12;
      const copies = Array.from({ length: N }, (_, k) => ({
        offset: 997 * (k >> 1),
        coef: (k % 2 ? -1 : 1) * 0.002,
      }));
      const b0 = batch(50, 1);
      const batches = copies.map((_, k) => (shared ? b0 : batch(50, k + 2)));
      const results: string[] = [];
      let ref: Float32Array | undefined = refs.get(`${model}-${shared}`);
      for (const chunk of [12, 4, 5, 1]) {
        const out = new Float32Array(N);
        for (let s = 0; s < N; s += chunk)
          out.set(
            await net.populationLosses(theta, noise, copies.slice(s, s + chunk), batches.slice(s, s + chunk)),
            s,
          );
        if (!ref) {
          ref = out;
          refs.set(`${model}-${shared}`, out);
        }
        const diff = out.reduce((m, v, i) => Math.max(m, Math.abs(v - ref![i]!)), 0);
        results.push(`K=${chunk}: ${diff === 0 ? 'identical' : `max diff ${diff.toExponential(2)}`}`);
      }
      console.log(`${model} threads=${threads} ${shared ? 'shared' : 'own'} batch: ${results.join(', ')}`);
      await net.close();
    }

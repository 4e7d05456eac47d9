// Lab: ORT intra-op spinning on/off for one session running the population graph, and for two
// sessions taking turns (a spinning idle pool steals the cores of the other session).
import { forwardMacsPerExample, getArchitecture } from '../../src/model/architecture.ts';
import { populationGraph } from '../../src/model/graphs.ts';
import { benchSession, interleaved, timeIt } from '../timing.ts';
import { popData, popFeeds } from './popfeeds.ts';

const [model = 'cnn-29k', ks = '10', reps = '9'] = process.argv.slice(2);
const arch = getArchitecture(model);
const K = Number(ks);
const d = popData(arch, 50);
const bytes = populationGraph(arch, K, { sharedBatch: true, nchwcBlock: 16 });
const work = K * 2 * forwardMacsPerExample(arch) * 50;
const show = (l: string, sec: number) =>
  console.log(`${l.padEnd(40)} ${(work / sec / 1e9).toFixed(1)} GFLOP/s ${(sec * 1e3).toFixed(1)} ms`);
for (const spin of [true, false, true, false]) {
  const s = await benchSession(bytes, { spin });
  const f = popFeeds(s, arch, K, d);
  show(`one session, spin=${spin}`, (await timeIt(() => s.run(f), Number(reps))).median);
  await s.release();
}
for (const spin of [true, false]) {
  const a = await benchSession(bytes, { spin }),
    b = await benchSession(bytes, { spin });
  const fa = popFeeds(a, arch, K, d),
    fb = popFeeds(b, arch, K, d);
  const [ta, tb] = await interleaved([() => a.run(fa), () => b.run(fb)], Number(reps));
  show(`two sessions alternating, spin=${spin}`, (ta! + tb!) / 2);
  await a.release();
  await b.release();
}

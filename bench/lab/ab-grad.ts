// Issue 14 lab: this checkout's gradient graph against another checkout's (A/B), interleaved in one
// process, spinning off: node --import tsx bench/lab/ab-grad.ts OTHER_CHECKOUT [models] [rounds]; T=threads.
import { nchwcBlockSize } from '../../src/backend/session.ts';
import { forwardMacsPerExample, getArchitecture } from '../../src/model/architecture.ts';
import { gradGraph, IO } from '../../src/model/graphs.ts';
import { benchSession } from '../timing.ts';
import { gradFeeds, interleavedCpu } from './cpu-timing.ts';

const other = (await import(`${process.argv[2]}/src/model/graphs.ts`)) as { gradGraph: typeof gradGraph };
const models = (process.argv[3] ?? 'cnn-3m,cnn-29k').split(',');
const rounds = Number(process.argv[4] ?? 21);
const threads = Number(process.env.T ?? 0);
const bs = await nchwcBlockSize();
for (const model of models) {
  const arch = getArchitecture(model);
  const feeds = gradFeeds(arch);
  const a = await benchSession(other.gradGraph(arch, { nchwcBlock: bs }), { threads, spin: process.env.SPIN === '1' });
  const b = await benchSession(gradGraph(arch, { nchwcBlock: bs }), { threads, spin: process.env.SPIN === '1' });
  const ga = (await a.run(feeds))[IO.grad]!.data as Float32Array;
  const gb = (await b.run(feeds))[IO.grad]!.data as Float32Array;
  let d = 0;
  for (let j = 0; j < ga.length; j++) d = Math.max(d, Math.abs(ga[j]! - gb[j]!));
  const { wall, cpu } = await interleavedCpu([() => a.run(feeds), () => b.run(feeds)], rounds);
  const gflop = (6 * forwardMacsPerExample(arch) * 50) / 1e9;
  const ms = (s: number): string => (s * 1e3).toFixed(1);
  console.log(
    `${model}: other ${ms(wall[0]!)} ms (${(gflop / wall[0]!).toFixed(0)} GFLOP/s), this ${ms(wall[1]!)} ms ` +
      `(${(gflop / wall[1]!).toFixed(0)} GFLOP/s), ${(wall[0]! / wall[1]!).toFixed(2)}x; CPU ${ms(cpu[0]!)} / ${ms(cpu[1]!)} ms; max |Δgrad| ${d.toExponential(2)}`,
  );
  await a.release();
  await b.release();
}

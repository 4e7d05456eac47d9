// Issue 14 lab: the gradient graph with and without NCHWc kernels, interleaved round-robin in one
// process (spinning off), medians of wall and process CPU time per run, and the largest difference of
// the two gradients. node --import tsx bench/lab/grad-compare.ts [models] [rounds]; T=1 for one thread.
import { nchwcBlockSize } from '../../src/backend/session.ts';
import { forwardMacsPerExample, getArchitecture } from '../../src/model/architecture.ts';
import { gradGraph, IO } from '../../src/model/graphs.ts';
import { benchSession } from '../timing.ts';
import { gradFeeds, interleavedCpu } from './cpu-timing.ts';

const models = (process.argv[2] ?? 'cnn-3m,cnn-29k').split(',');
const rounds = Number(process.argv[3] ?? 15);
const threads = Number(process.env.T ?? 0);
const bs = await nchwcBlockSize();
for (const model of models) {
  const arch = getArchitecture(model);
  const feeds = gradFeeds(arch);
  const plain = await benchSession(gradGraph(arch), { threads, spin: false });
  const blocked = await benchSession(gradGraph(arch, { nchwcBlock: bs }), { threads, spin: false });
  const a = (await plain.run(feeds))[IO.grad]!.data as Float32Array;
  const b = (await blocked.run(feeds))[IO.grad]!.data as Float32Array;
  let diff = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    max = Math.max(max, Math.abs(a[i]!));
  }
  const { wall, cpu } = await interleavedCpu([() => plain.run(feeds), () => blocked.run(feeds)], rounds);
  const gflop = (6 * forwardMacsPerExample(arch) * 50) / 1e9;
  const ms = (s: number): string => (s * 1e3).toFixed(1);
  console.log(
    `${model} (${threads || 'all'} threads): standard ${ms(wall[0]!)} ms (${(gflop / wall[0]!).toFixed(0)} GFLOP/s), ` +
      `NCHWc ${ms(wall[1]!)} ms (${(gflop / wall[1]!).toFixed(0)} GFLOP/s), ${(wall[0]! / wall[1]!).toFixed(2)}x; ` +
      `CPU ${ms(cpu[0]!)} / ${ms(cpu[1]!)} ms (${(cpu[0]! / cpu[1]!).toFixed(2)}x); ` +
      `max |Δgrad| ${diff.toExponential(2)} of max |grad| ${max.toExponential(2)}`,
  );
  await plain.release();
  await blocked.release();
}

// Issue 14 lab: the gradient graph under ORT session config entries (e.g. session.dynamic_block_base),
// A/B interleaved in one process: node --import tsx bench/lab/session-config.ts KEY=VALUE[,KEY=VALUE] [models] [rounds].
import { nchwcBlockSize } from '../../src/backend/session.ts';
import { getArchitecture } from '../../src/model/architecture.ts';
import { gradGraph } from '../../src/model/graphs.ts';
import { benchSession } from '../timing.ts';
import { gradFeeds, interleavedCpu } from './cpu-timing.ts';

const entries = Object.fromEntries((process.argv[2] ?? '').split(',').filter(Boolean).map((kv) => kv.split('=')));
const models = (process.argv[3] ?? 'cnn-3m,cnn-29k').split(',');
const rounds = Number(process.argv[4] ?? 21);
const bs = await nchwcBlockSize();
for (const model of models) {
  const arch = getArchitecture(model);
  const bytes = gradGraph(arch, { nchwcBlock: bs });
  const feeds = gradFeeds(arch);
  // Spinning on, as esgrad's own sessions run (ORT's default).
  const a = await benchSession(bytes, { threads: 2, spin: true });
  const b = await benchSession(bytes, { threads: 2, spin: true, config: entries });
  const { wall, cpu } = await interleavedCpu([() => a.run(feeds), () => b.run(feeds)], rounds);
  const ms = (s: number): string => (s * 1e3).toFixed(1);
  console.log(
    `${model}: default ${ms(wall[0]!)} ms, ${process.argv[2]} ${ms(wall[1]!)} ms (${(wall[0]! / wall[1]!).toFixed(2)}x); CPU ${ms(cpu[0]!)} / ${ms(cpu[1]!)}`,
  );
}

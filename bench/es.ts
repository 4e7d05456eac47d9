// ES as a user runs it: one iteration (evaluate N offspring + tell) per network and population size
// with the threads evaluator on 1 and all workers (the scaling factor), and the RSS each worker adds.
import { availableParallelism } from 'node:os';
import { Aggregator } from '../src/aggregate/index.ts';
import { Network } from '../src/backend/network.ts';
import { builtinSource } from '../src/backend/source.ts';
import { ask, init, tell } from '../src/es/index.ts';
import { type TaskData, taskData } from '../src/evaluate/evaluator.ts';
import { ThreadsEvaluator } from '../src/evaluate/threads.ts';
import { forwardMacsPerExample } from '../src/model/architecture.ts';
import { initParams } from '../src/model/init.ts';
import { createNoiseTable, DEFAULT_NOISE_TABLE_SIZE } from '../src/rng/noise-table.ts';
import { POPULATION_BATCH } from './population.ts';
import type { BenchRow } from './table.ts';
import { median } from './timing.ts';

/** Synthetic training images in shared memory (throughput does not depend on pixel values). */
function syntheticData(count: number): TaskData {
  const images = new Float32Array(new SharedArrayBuffer(count * 784 * 4));
  for (let i = 0; i < images.length; i += 97) images[i] = (i % 255) / 255;
  const labels = new Int32Array(new SharedArrayBuffer(count * 4)).map((_, i) => i % 10);
  return taskData(
    { imagesNxHxW: images, labelsN: labels, count, channels: 1, rows: 28, cols: 28 },
    { seed: 1, batch: POPULATION_BATCH, subsetSize: POPULATION_BATCH },
  );
}

const rssMiB = (): number => process.memoryUsage().rss / 2 ** 20;

/** Rows for (model, N) with 1 and all workers; RSS growth per extra worker with the shared table. */
export async function benchEs(quick: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const cores = availableParallelism();
  const tableSize = DEFAULT_NOISE_TABLE_SIZE;
  const table = createNoiseTable(1, tableSize, new SharedArrayBuffer(4 * tableSize));
  const data = syntheticData(5000);
  const aggregator = new Aggregator(table, { threads: cores });
  const cases: [string, number][] = quick
    ? [
        ['cnn-29k', 200],
        ['cnn-3m', 40],
      ]
    : [
        ['cnn-29k', 1000],
        ['cnn-29k', 10_000],
        ['cnn-3m', 200],
      ];
  for (const [model, N] of cases) {
    const net = Network.byName(model, { threads: 1 });
    const flop = 2 * forwardMacsPerExample(net.arch) * POPULATION_BATCH * N;
    const state = init({ population: N, noiseTableSize: tableSize, seed: 1 }, initParams(net.layout, 1));
    const perWorkers: number[] = [];
    for (const workers of [...new Set([1, cores])]) {
      const before = rssMiB();
      const ev = new ThreadsEvaluator(builtinSource(model), net.size, table, data, { workers });
      await ev.evaluate(state.thetaP, 0.002, ask(state).slice(0, 4 * workers)); // start the workers
      const rss = rssMiB() - before;
      const samples: number[] = [];
      let tellSeconds = 0;
      for (let r = 0; r < (quick ? 1 : 3); r++) {
        const t0 = performance.now();
        const tasks = ask(state);
        const rewards = await ev.evaluate(state.thetaP, 0.002, tasks);
        const t1 = performance.now();
        tell(state, tasks, rewards, aggregator);
        samples.push((performance.now() - t0) / 1e3);
        tellSeconds = (performance.now() - t1) / 1e3;
      }
      await ev.close();
      const s = median(samples);
      perWorkers.push(s);
      const scaling = perWorkers.length > 1 ? `, ${(perWorkers[0]! / s).toFixed(2)}x 1 worker` : '';
      rows.push({
        section: 'es iteration',
        name: `${model} N=${N}`,
        batch: POPULATION_BATCH,
        seconds: s,
        rate: N / s,
        unit: 'offspring/s',
        gflops: flop / s / 1e9,
        note: `${workers} worker(s)${scaling}; tell ${(1000 * tellSeconds).toFixed(0)} ms; RSS +${rss.toFixed(0)} MiB (${(rss / workers).toFixed(0)}/worker, table ${(tableSize * 4) / 2 ** 20} MiB shared)`,
      });
    }
    await net.close();
  }
  await aggregator.close();
  return rows;
}

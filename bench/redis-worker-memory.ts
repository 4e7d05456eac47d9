// Memory of Redis workers on one machine: one `esgrad worker --workers N` process (N threads sharing one
// noise table, one copy of the data and θ) against N `--workers 1` processes, after each served rounds.
// Run: ESGRAD_DATA_DIR=... node --import tsx bench/redis-worker-memory.ts [model] [N ...]
// (starts its own redis-server on 127.0.0.1; RSS and peak RSS from /proc/<pid>/status, summed over processes)
import { readFileSync } from 'node:fs';
import { Network } from '../src/backend/network.ts';
import { builtinSource } from '../src/backend/source.ts';
import { loadDataset } from '../src/data/index.ts';
import { ask, init } from '../src/es/index.ts';
import { taskData as makeTaskData } from '../src/evaluate/evaluator.ts';
import { defaultCopiesPerRun } from '../src/evaluate/local.ts';
import { RedisEvaluator } from '../src/evaluate/redis.ts';
import { redisTarget } from '../src/evaluate/redis-connect.ts';
import { modelWork } from '../src/evaluate/redis-run.ts';
import { initParams } from '../src/model/init.ts';
import { createNoiseTable, DEFAULT_NOISE_TABLE_SIZE } from '../src/rng/noise-table.ts';
import { startRedis } from '../test/helpers/redis-server.ts';
import { startWorker, stopWorker } from '../test/helpers/worker-process.ts';

const model = process.argv[2] ?? 'cnn-29k';
const counts = process.argv.slice(3).map(Number);
const seed = 1,
  sigma = 0.002,
  tableSize = DEFAULT_NOISE_TABLE_SIZE;

/** VmRSS and VmHWM of a process in MB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(status.match(new RegExp(`${k}:\\s+(\\d+) kB`))?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const redis = await startRedis();
const data = await loadDataset('mnist', {});
const net = Network.byName(model, { threads: 1 });
const P = net.size;
const K = defaultCopiesPerRun(P);
const taskData = makeTaskData(data.train, { seed, batch: 50, subsetSize: 50 });
const rows: string[] = [];
for (const n of counts.length ? counts : [2, 16]) {
  for (const mode of ['threads', 'processes'] as const) {
    // Every thread gets chunks: 2 chunks of 2K tasks per thread per round.
    const population = 2 * n * 2 * K;
    const state = init({ population, sigma, noiseTableSize: tableSize, seed }, initParams(net.layout, seed));
    const ev = new RedisEvaluator(
      createNoiseTable(seed, tableSize),
      taskData.settings,
      modelWork(builtinSource(model), P, data, K),
      { target: redisTarget(redis.url) },
    );
    await ev.connect();
    const workers =
      mode === 'threads'
        ? [startWorker(redis.url, 'one', ['--workers', String(n)])]
        : Array.from({ length: n }, (_, i) => startWorker(redis.url, `p${i}`, ['--workers', '1']));
    await Promise.all(workers.map((w) => w.connected));
    await ev.evaluate(state.thetaP, sigma, ask(state)); // warm-up: every thread builds its session
    const t0 = performance.now();
    for (let g = 1; g <= 3; g++) await ev.evaluate(state.thetaP, sigma, ask({ ...state, generation: g }));
    const secs = (performance.now() - t0) / 3000;
    const m = workers.map((w) => memory(w.child.pid!));
    const rss = m.reduce((s, x) => s + x.rss, 0),
      peak = m.reduce((s, x) => s + x.peak, 0);
    rows.push(
      `${n} | ${mode === 'threads' ? `1 process, ${n} threads` : `${n} processes`} | ${rss.toFixed(0)} MB | ${peak.toFixed(0)} MB | ${secs.toFixed(2)} s`,
    );
    await ev.close();
    await Promise.all(workers.map(stopWorker));
  }
}
await net.close();
await redis.stop();
console.log(
  `${model} (P = ${P.toLocaleString('en-US')}), noise table ${tableSize.toLocaleString('en-US')} floats, MNIST (${data.train.count} train); after a warm-up and 3 rounds of 4N·K offspring`,
);
console.log('N | workers | RSS (sum) | peak RSS (sum) | s per round');
for (const r of rows) console.log(r);

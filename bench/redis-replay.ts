// Bytes through Redis per ES iteration with and without --replay (issue 15, deliver 3): an ES loop on
// a Redis master in this process with W local `esgrad worker` processes, Redis's own INFO counters
// (total_net_input_bytes + total_net_output_bytes) over the iterations after the first (where every
// replay worker fetches the state once), and the time of the tell() a replay worker adds per round.
// Run: ESGRAD_DATA_DIR=... node --import tsx bench/redis-replay.ts [model] [population] [workers] [iters]
// (starts its own redis-server on 127.0.0.1 with a password; stops what it started)
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Aggregator } from '../src/aggregate/index.ts';
import { Network } from '../src/backend/network.ts';
import { builtinSource } from '../src/backend/source.ts';
import { loadDataset } from '../src/data/index.ts';
import { ask, type EsState, init, tell } from '../src/es/index.ts';
import { taskData as makeTaskData } from '../src/evaluate/evaluator.ts';
import { defaultCopiesPerRun } from '../src/evaluate/local.ts';
import { RedisEvaluator } from '../src/evaluate/redis.ts';
import { redisTarget } from '../src/evaluate/redis-connect.ts';
import { KEYS } from '../src/evaluate/redis-protocol.ts';
import { modelWork } from '../src/evaluate/redis-run.ts';
import { initParams } from '../src/model/init.ts';
import { createNoiseTable, DEFAULT_NOISE_TABLE_SIZE } from '../src/rng/noise-table.ts';
import { startRedis } from '../test/helpers/redis-server.ts';

const model = process.argv[2] ?? 'cnn-29k';
const population = Number(process.argv[3] ?? 200);
const W = Number(process.argv[4] ?? 2);
const iters = Number(process.argv[5] ?? 4);
const seed = 1,
  sigma = 0.002,
  tableSize = DEFAULT_NOISE_TABLE_SIZE;
const BIN = join(import.meta.dirname, '../bin/esgrad.js');

const own = await startRedis();
const spy = new Redis(own.url);
const data = await loadDataset('mnist', {});
const net = Network.byName(model, { threads: 1 });
const P = net.size;
const table = createNoiseTable(seed, tableSize);
const taskData = makeTaskData(data.train, { seed, batch: 50, subsetSize: 50 });
const aggregator = new Aggregator(table);

const netBytes = async (): Promise<number> => {
  const info = await spy.info('stats');
  const get = (k: string): number => Number(info.match(new RegExp(`${k}:(\\d+)`))?.[1] ?? 0);
  return get('total_net_input_bytes') + get('total_net_output_bytes');
};

const workers: ChildProcess[] = [];
for (let i = 0; i < W; i++)
  workers.push(
    spawn(process.execPath, [BIN, 'worker', '--redis', own.url, '--name', `b${i}`], { stdio: 'ignore' }),
  );
const registered = async (): Promise<void> => {
  while ((await spy.hlen(KEYS.workers)) < W) await new Promise((r) => setTimeout(r, 200));
};
await registered();

/** Bytes per iteration after the first, the first's bytes, and tell()'s mean seconds. */
async function measure(replay: boolean): Promise<{ perIter: number; first: number; tellS: number }> {
  const ev = new RedisEvaluator(
    table,
    taskData.settings,
    modelWork(builtinSource(model), P, data, defaultCopiesPerRun(P)),
    { target: redisTarget(own.url) },
  );
  let s: EsState = init({ population, sigma, noiseTableSize: tableSize, seed }, initParams(net.layout, seed));
  if (replay)
    ev.replay(s.config, () => ({ thetaP: s.thetaP, optState: s.optState, generation: s.generation }));
  await ev.connect();
  let tellS = 0;
  const b0 = await netBytes();
  let b1 = 0;
  for (let t = 0; t < iters; t++) {
    const tasks = ask(s);
    const r = await ev.evaluate(s.thetaP, sigma, tasks);
    if (t === 0) b1 = await netBytes();
    const t0 = performance.now();
    s = tell(s, tasks, r, aggregator).state;
    tellS += (performance.now() - t0) / 1000;
  }
  const b2 = await netBytes();
  await ev.close();
  return { perIter: (b2 - b1) / (iters - 1), first: b1 - b0, tellS: tellS / iters };
}

const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
const without = await measure(false);
const withReplay = await measure(true);
console.log(
  `${model} (P = ${P.toLocaleString('en-US')}), N = ${population}, ${W} worker processes, ${iters} iterations; bytes through Redis (in + out, INFO stats)`,
);
console.log('| run | per iteration (after the first) | first iteration |');
console.log('|---|---|---|');
console.log(`| θ every round | ${kib(without.perIter)} | ${kib(without.first)} |`);
console.log(`| --replay | ${kib(withReplay.perIter)} | ${kib(withReplay.first)} |`);
console.log(`tell() per round (what a replay worker adds): ${withReplay.tellS.toFixed(3)} s`);

for (const w of workers) w.kill('SIGTERM');
await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once('exit', r) : r(0)))));
spy.disconnect();
await aggregator.close();
await net.close();
await own.stop();

// Redis evaluator vs threads evaluator: time of one ES evaluation round (cnn-29k, N = 1000 by
// default) with 1, 2 and 4 local `esgrad worker` processes, and the bytes Redis moved per round.
// Run: ESGRAD_DATA_DIR=... node --import tsx bench/redis.ts [population] [rounds]
// (starts its own redis-server on 127.0.0.1 with a password, or uses $ESGRAD_REDIS_URL; stops what it started)
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Network } from '../src/backend/network.ts';
import { builtinSource } from '../src/backend/source.ts';
import { loadDataset } from '../src/data/index.ts';
import { ask, init } from '../src/es/index.ts';
import { type Evaluator, taskData as makeTaskData, type TaskData } from '../src/evaluate/evaluator.ts';
import { defaultCopiesPerRun, LocalEvaluator } from '../src/evaluate/local.ts';
import { RedisEvaluator } from '../src/evaluate/redis.ts';
import { redisTarget } from '../src/evaluate/redis-connect.ts';
import { KEYS } from '../src/evaluate/redis-protocol.ts';
import { modelWork } from '../src/evaluate/redis-run.ts';
import { sharedSplit, ThreadsEvaluator } from '../src/evaluate/threads.ts';
import { initParams } from '../src/model/init.ts';
import { createNoiseTable, DEFAULT_NOISE_TABLE_SIZE } from '../src/rng/noise-table.ts';
import { startRedis } from '../test/helpers/redis-server.ts';

const population = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 3);
const model = 'cnn-29k',
  seed = 1,
  sigma = 0.002,
  tableSize = DEFAULT_NOISE_TABLE_SIZE;
const BIN = join(import.meta.dirname, '../bin/esgrad.js');

const own = process.env.ESGRAD_REDIS_URL ? undefined : await startRedis();
const url = process.env.ESGRAD_REDIS_URL ?? own!.url;
const data = await loadDataset('mnist', {});
const net = Network.byName(model, { threads: 1 });
const taskData: TaskData = makeTaskData(sharedSplit(data.train), { seed, batch: 50, subsetSize: 50 });
const state = init(
  { population: population, sigma, noiseTableSize: tableSize, seed },
  initParams(net.layout, seed),
);
const P = net.size;

async function time(ev: Evaluator): Promise<number> {
  await ev.evaluate(state.thetaP, sigma, ask(state)); // warm-up: sessions, first θ
  const t0 = performance.now();
  for (let g = 1; g <= rounds; g++) await ev.evaluate(state.thetaP, sigma, ask({ ...state, generation: g }));
  return (performance.now() - t0) / rounds / 1000;
}

const netBytes = async (r: Redis): Promise<number> => {
  const info = await r.info('stats');
  const get = (k: string): number => Number(info.match(new RegExp(`${k}:(\\d+)`))?.[1] ?? 0);
  return get('total_net_input_bytes') + get('total_net_output_bytes');
};

const rows: string[] = [];
const threads = availableParallelism();
const local = new LocalEvaluator(net, createNoiseTable(seed, tableSize), taskData);
rows.push(`local evaluator, 1 thread (in-process) | ${(await time(local)).toFixed(3)} s | - | -`);
const tev = new ThreadsEvaluator(
  builtinSource(model),
  P,
  createNoiseTable(seed, tableSize, new SharedArrayBuffer(4 * tableSize)),
  taskData,
  { workers: threads },
);
rows.push(`threads evaluator, ${threads} worker threads | ${(await time(tev)).toFixed(3)} s | - | -`);
await tev.close();

const spy = new Redis(url);
for (const n of [1, 2, 4]) {
  const ev = new RedisEvaluator(
    createNoiseTable(seed, tableSize),
    taskData.settings,
    modelWork(builtinSource(model), P, data, defaultCopiesPerRun(P)),
    { target: redisTarget(url) },
  );
  await ev.connect();
  const workers: ChildProcess[] = Array.from({ length: n }, (_, i) =>
    spawn(process.execPath, [BIN, 'worker', '--redis', url, '--name', `bench${i}`, '--workers', '1'], {
      stdio: 'ignore',
    }),
  );
  while ((await spy.hlen(KEYS.workers)) < n) await new Promise((r) => setTimeout(r, 100));
  await ev.evaluate(state.thetaP, sigma, ask(state)); // every worker builds its table and sessions
  const b0 = await netBytes(spy),
    s0 = { ...ev.stats };
  const secs = await time(ev);
  const perRound = ((await netBytes(spy)) - b0) / (rounds + 1);
  const master = (ev.stats.bytesOut - s0.bytesOut + ev.stats.bytesIn - s0.bytesIn) / (rounds + 1);
  rows.push(
    `redis, ${n} worker process(es) | ${secs.toFixed(3)} s | ${(perRound / 1e6).toFixed(3)} MB | ${(master / 1e6).toFixed(3)} MB`,
  );
  await ev.close();
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(
    workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once('exit', r) : r(null)))),
  );
  await spy.del(KEYS.workers);
}
spy.disconnect();
await net.close();
await own?.stop();

console.log(
  `${model} (P = ${P.toLocaleString('en-US')}), N = ${population}, batch 50, mean of ${rounds} rounds after a warm-up; ${threads} cores`,
);
console.log(
  'evaluator | s per iteration | bytes through Redis per iteration (all clients) | master payload per iteration',
);
for (const r of rows) console.log(r);
console.log(
  `θ per task instead: N × 4P = ${((population * 4 * P) / 1e6).toFixed(1)} MB per iteration (θ once: ${((4 * P) / 1e6).toFixed(3)} MB)`,
);

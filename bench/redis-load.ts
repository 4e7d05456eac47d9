// The Redis protocol's ceiling: a master (this process) against many simulated workers (a child process,
// W connections) that answer every chunk at once with valid results and fetch θ once per round each,
// as worker processes do. Rounds/s, results/s, the master's CPU per result, Redis memory and traffic.
// Run: node --import tsx bench/redis-load.ts [model] [workers] [population] [rounds]
// (starts its own redis-server on 127.0.0.1; no data or ONNX Runtime needed: nothing is evaluated)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { builtinSource, openModel } from '../src/backend/source.ts';
import { ask, init } from '../src/es/index.ts';
import { evaluationSettings } from '../src/evaluate/evaluator.ts';
import { defaultCopiesPerRun } from '../src/evaluate/local.ts';
import { RedisEvaluator } from '../src/evaluate/redis.ts';
import { redisTarget } from '../src/evaluate/redis-connect.ts';
import {
  CHUNK_FIELD,
  encodeReward,
  GROUP,
  KEYS,
  parseChunk,
  RESULT_FIELD,
  type ResultMessage,
} from '../src/evaluate/redis-protocol.ts';
import type { RedisWork } from '../src/evaluate/redis-run.ts';
import { createNoiseTable } from '../src/rng/noise-table.ts';
import { VERSION } from '../src/version.ts';
import { startRedis } from '../test/helpers/redis-server.ts';

type Entry = [string, string[]];

/** The child: W simulated workers on W connections until killed. */
async function simulate(url: string, count: number): Promise<void> {
  const serve = async (i: number): Promise<void> => {
    const c = new Redis(url);
    const name = `sim${i}`;
    let round = -1;
    for (;;) {
      let reply: [string, Entry[]][] | null;
      try {
        reply = (await c.xreadgroup(
          'GROUP',
          GROUP,
          name,
          'COUNT',
          1,
          'BLOCK',
          1000,
          'STREAMS',
          KEYS.tasks,
          '>',
        )) as [string, Entry[]][] | null;
      } catch {
        await new Promise((r) => setTimeout(r, 100)); // no group yet
        continue;
      }
      const [id, fields] = reply?.[0]?.[1]?.[0] ?? [];
      if (!id || !fields) continue;
      const chunk = parseChunk(fields[fields.indexOf(CHUNK_FIELD) + 1]);
      if ('bad' in chunk) continue;
      if (chunk.round !== round) {
        await c.getBuffer(KEYS.theta); // θ once per round, as a worker process does
        round = chunk.round;
      }
      const result: ResultMessage = {
        run: chunk.run,
        v: VERSION,
        worker: name,
        round: chunk.round,
        chunk: chunk.chunk,
        generation: chunk.tasks[0]![1],
        ids: chunk.tasks.map((t) => t[0]),
        rewards: chunk.tasks.map((t) => encodeReward(-2.3 - t[0] * 1e-6)),
      };
      await c
        .pipeline()
        .xadd(KEYS.results, '*', RESULT_FIELD, JSON.stringify(result))
        .rpush(KEYS.notify, '1')
        .xack(KEYS.tasks, GROUP, id)
        .exec();
    }
  };
  await Promise.all(Array.from({ length: count }, (_, i) => serve(i)));
}

if (process.argv[2] === '--simulate') {
  await simulate(process.argv[3]!, Number(process.argv[4]));
} else {
  const model = process.argv[2] ?? 'cnn-29k';
  const workers = Number(process.argv[3] ?? 64);
  const population = Number(process.argv[4] ?? 10_000);
  const rounds = Number(process.argv[5] ?? 5);
  const seed = 1,
    sigma = 0.002,
    tableSize = 1 << 22;
  const redis = await startRedis();
  const source = builtinSource(model);
  const net = openModel(source, { threads: 1 });
  const P = net.size;
  const K = defaultCopiesPerRun(P);
  await net.close();
  // A model run as published (the data fingerprint is a stand-in: simulated workers check nothing).
  const work: RedisWork = {
    params: P,
    subject: {
      kind: 'model',
      model,
      modelFingerprint: '0'.repeat(64),
      dataset: 'mnist',
      trainCount: 22_699,
      dataFingerprint: '0'.repeat(64),
      copiesPerRun: K,
    },
  };
  const settings = evaluationSettings({ seed, batch: 50, subsetSize: 50 });
  const ev = new RedisEvaluator(createNoiseTable(seed, tableSize), settings, work, {
    target: redisTarget(redis.url),
  });
  await ev.connect();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--simulate', redis.url, String(workers)],
    { stdio: 'inherit' },
  );
  const spy = new Redis(redis.url);
  const info = async (section: string, key: string): Promise<number> =>
    Number((await spy.info(section)).match(new RegExp(`${key}:([\\d.]+)`))?.[1] ?? 0);
  const redisCpu = async (): Promise<number> =>
    (await info('cpu', 'used_cpu_user')) + (await info('cpu', 'used_cpu_sys'));
  /** CPU seconds of the simulated workers' process (utime + stime from /proc). */
  const childCpu = (): number => {
    const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const theta = new Float32Array(P).fill(0.01);
  const state = init({ population, sigma, noiseTableSize: tableSize, seed }, theta);
  await ev.evaluate(state.thetaP, sigma, ask(state)); // warm-up: every simulated worker connected
  const net0 =
    (await info('stats', 'total_net_input_bytes')) + (await info('stats', 'total_net_output_bytes'));
  const results0 = ev.stats.results;
  const cpu0 = process.cpuUsage();
  const redis0 = await redisCpu(),
    child0 = childCpu();
  const t0 = performance.now();
  for (let g = 1; g <= rounds; g++) await ev.evaluate(state.thetaP, sigma, ask({ ...state, generation: g }));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const redisSecs = (await redisCpu()) - redis0,
    childSecs = childCpu() - child0;
  const results = ev.stats.results - results0;
  const net1 =
    (await info('stats', 'total_net_input_bytes')) + (await info('stats', 'total_net_output_bytes'));
  const peak = await info('memory', 'used_memory_peak');
  child.kill('SIGKILL');
  await ev.close();
  spy.disconnect();
  await redis.stop();
  const chunks = Math.ceil(population / (2 * K));
  console.log(
    `${model} (P = ${P.toLocaleString('en-US')}), N = ${population}, ${chunks} chunks of ${2 * K} per round, ${workers} simulated workers, ${rounds} rounds`,
  );
  console.log(
    `CPU, % of a core: master ${((100 * (cpu.user + cpu.system)) / 1e6 / secs).toFixed(0)}%, redis-server ${((100 * redisSecs) / secs).toFixed(0)}%, simulated workers ${((100 * childSecs) / secs).toFixed(0)}%`,
  );
  console.log(
    `rounds/s ${(rounds / secs).toFixed(2)} | results/s ${(results / secs).toFixed(0)} | tasks/s ${((rounds * population) / secs).toFixed(0)} | master CPU per result ${((1e3 * (cpu.user + cpu.system)) / 1e6 / results).toFixed(3)} ms (${(((cpu.user + cpu.system) / 1e6 / secs) * 100).toFixed(0)}% of a core) | Redis traffic ${((net1 - net0) / rounds / 1e6).toFixed(1)} MB/round | Redis peak memory ${(peak / 1e6).toFixed(1)} MB`,
  );
}

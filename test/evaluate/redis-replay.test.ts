// Replay runs of the Redis evaluator against a real redis-server and `esgrad worker` processes: workers
// rebuild θ with tell() from the published rewards, and the run's θ and rewards stay bit-identical to a
// local run; a late worker and a worker whose rebuilt θ differs fetch the state and say so.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Aggregator } from '../../src/aggregate/index.ts';
import { Network } from '../../src/backend/network.ts';
import { builtinSource } from '../../src/backend/source.ts';
import { type Dataset, loadDataset } from '../../src/data/index.ts';
import { ask, type EsState, init, tell } from '../../src/es/index.ts';
import { type Evaluator, taskData as makeTaskData, type TaskData } from '../../src/evaluate/evaluator.ts';
import { LocalEvaluator } from '../../src/evaluate/local.ts';
import { RedisEvaluator } from '../../src/evaluate/redis.ts';
import { redisTarget } from '../../src/evaluate/redis-connect.ts';
import { KEYS } from '../../src/evaluate/redis-protocol.ts';
import { decodeRound, decodeState, encodeRound, encodeState } from '../../src/evaluate/redis-replay.ts';
import { modelWork } from '../../src/evaluate/redis-run.ts';
import { initParams } from '../../src/model/init.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { optimize } from '../../src/run/optimize.ts';
import { RASTRIGIN, RASTRIGIN_RUN, rastriginTheta0 } from '../fixtures/objectives.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startWorker, stopWorker, type WorkerProcess } from '../helpers/worker-process.ts';

const ENV = { ...process.env, ESGRAD_DATA_DIR: MNIST_DIR, ESGRAD_DEBUG: '' };
const SIZE = 200_000;
const SIGMA = 0.01;
const ITERS = 3;
const ES = { population: 16, sigma: SIGMA, noiseTableSize: SIZE, seed: 5, lr: 0.01 };

describe('replay round and state messages', () => {
  it('round: header, hash and rewards (NaN, -0 included) survive encoding; other runs are refused', () => {
    const rewardsN = Float64Array.from([-1.5, Number.NaN, -0, -Infinity]);
    const m = { round: 7, generation: 6, hash: 'ab'.repeat(32), prev: { generation: 5, rewardsN } };
    const back = decodeRound(encodeRound('0123456789abcdef', m), '0123456789abcdef');
    assert.equal(back?.round, 7);
    assert.equal(back?.generation, 6);
    assert.equal(back?.hash, m.hash);
    assert.equal(back?.prev?.generation, 5);
    assert.ok(Object.is(back?.prev?.rewardsN[2], -0) && Number.isNaN(back?.prev?.rewardsN[1]));
    assert.equal(decodeRound(encodeRound('0123456789abcdef', m), 'fedcba9876543210'), undefined);
    const none = decodeRound(
      encodeRound('0123456789abcdef', { round: 7, generation: 6, hash: m.hash }),
      '0123456789abcdef',
    );
    assert.equal(none?.prev, undefined);
  });
  it('state: θ and a nested optimizer state come back bit for bit', () => {
    const thetaP = Float32Array.from([1, -2, 3.5]);
    const optState = [
      {},
      { count: 3, mu: Float32Array.from([0.1, 0.2, 0.3]), nu: Float64Array.from([1e-9]) },
    ];
    const s = decodeState(
      encodeState('0123456789abcdef', 4, { generation: 3, thetaP, optState }),
      '0123456789abcdef',
      3,
    );
    assert.deepEqual(s, { round: 4, generation: 3, thetaP, optState });
    assert.equal(
      decodeState(
        encodeState('0123456789abcdef', 4, { generation: 3, thetaP, optState }),
        '0123456789abcdef',
        4,
      ),
      undefined,
    );
  });
});

describe('RedisEvaluator --replay with worker processes', () => {
  let redis: TestRedis, net: Network, taskData: TaskData, dataset: Dataset, theta0: Float32Array;
  const workers: WorkerProcess[] = [];
  const table = createNoiseTable(ES.seed, SIZE);
  let aggregator: Aggregator;
  let local: { thetas: Float32Array[]; rewards: Float64Array[] };
  let localTweaked: { thetas: Float32Array[]; rewards: Float64Array[] };
  const logs: string[] = [];

  /** An ES loop as esStep runs it; `tweak` changes a reward before tell() in iteration 1 (not what was published). */
  async function esRun(
    evaluator: Evaluator,
    iters: number,
    o: { tweak?: boolean; between?: (t: number) => Promise<void>; replay?: RedisEvaluator } = {},
  ): Promise<{ thetas: Float32Array[]; rewards: Float64Array[] }> {
    let s: EsState = init(ES, theta0);
    o.replay?.replay(s.config, () => ({ thetaP: s.thetaP, optState: s.optState, generation: s.generation }));
    const thetas: Float32Array[] = [];
    const rewards: Float64Array[] = [];
    for (let t = 0; t < iters; t++) {
      await o.between?.(t);
      const tasks = ask(s);
      const r = await evaluator.evaluate(s.thetaP, SIGMA, tasks);
      rewards.push(r.slice());
      if (o.tweak && t === 1) r[0] = r[0]! * 0.5;
      s = tell(s, tasks, r, aggregator).state;
      thetas.push(s.thetaP.slice());
    }
    return { thetas, rewards };
  }

  const master = (over: { checkEveryMs?: number } = {}): RedisEvaluator =>
    new RedisEvaluator(table, taskData.settings, modelWork(builtinSource('cnn-29k'), net.size, dataset, 4), {
      target: redisTarget(redis.url),
      tasksPerChunk: 4,
      leaseMs: 3000,
      log: (m) => logs.push(m),
      ...over,
    });
  const fetches = (w: WorkerProcess): string[] =>
    w
      .stderr()
      .split('\n')
      .filter((l) => l.includes('fetching θ and the optimizer state'));

  before(async () => {
    redis = await startRedis();
    dataset = await loadDataset('mnist', { dataDir: MNIST_DIR });
    net = Network.byName('cnn-29k', { threads: 1 });
    taskData = makeTaskData(dataset.train, { seed: ES.seed, batch: 16, subsetSize: 16 });
    theta0 = initParams(net.layout, ES.seed);
    aggregator = new Aggregator(table, { threads: 1 });
    const ev = new LocalEvaluator(net, table, taskData, 4);
    local = await esRun(ev, ITERS);
    localTweaked = await esRun(ev, ITERS, { tweak: true });
  });
  after(async () => {
    await Promise.all(workers.map(stopWorker));
    await aggregator?.close();
    await net?.close();
    await redis?.stop();
  });

  const w: WorkerProcess[] = [];
  it('2 workers rebuild θ themselves: θ and rewards bit-identical to a local run, θ sent once per worker', async () => {
    w.push(startWorker(redis.url, 'r1', [], ENV), startWorker(redis.url, 'r2', ['--workers', '2'], ENV));
    workers.push(...w);
    const ev = master();
    try {
      const got = await esRun(ev, ITERS, { replay: ev });
      assert.deepEqual(got.rewards, local.rewards);
      assert.deepEqual(got.thetas, local.thetas);
    } finally {
      await ev.close();
    }
    for (const x of w) {
      assert.equal(fetches(x).length, 1, x.stderr()); // joining; every later round rebuilt
      assert.match(fetches(x)[0]!, /joining at round/);
    }
    // per round: a 64-byte round message with 16 rewards and 4 chunks, plus at most 2 states in all
    const stateBytes = 3 * 4 * net.size;
    assert.ok(ev.stats.bytesOut < 2 * stateBytes + ITERS * 2000, `bytes out ${ev.stats.bytesOut}`);
  });

  it('published rewards that are not those tell() used: workers see θ differ, fetch it, and results stay identical', async () => {
    const seen = w.map((x) => fetches(x).length);
    const ev = master();
    try {
      const got = await esRun(ev, ITERS, { replay: ev, tweak: true });
      assert.deepEqual(got.rewards, localTweaked.rewards);
      assert.deepEqual(got.thetas, localTweaked.thetas);
    } finally {
      await ev.close();
    }
    // a new run: each worker joins at the first round it serves; round 3's rebuilt θ differs
    const lines = w.flatMap((x, i) => fetches(x).slice(seen[i]));
    for (const l of lines) assert.match(l, /joining at round \d|θ rebuilt for round 3 differs/);
    assert.ok(
      lines.some((l) =>
        /θ rebuilt for round 3 differs from the master's \(sha256 [0-9a-f]{12}… vs [0-9a-f]{12}…\)/.test(l),
      ),
      lines.join('\n'),
    );
  });

  it('a damaged hash in the round message: workers see θ differ and fetch it, the master republishes the message, results identical', async () => {
    const seen = w.map((x) => fetches(x).length);
    const spy = new Redis(redis.url);
    const ev = master({ checkEveryMs: 1000 });
    let damaged: Promise<void> | undefined;
    try {
      const got = await esRun(ev, ITERS, {
        replay: ev,
        between: async (t) => {
          if (t !== 1) return;
          for (const x of w) x.child.kill('SIGSTOP'); // round 2's message is damaged before they read it
          damaged = (async () => {
            for (;;) {
              const head = await spy.getrangeBuffer(KEYS.round, 0, 15);
              if (head.length === 16 && head.readUInt32LE(4) === 2) break;
              await sleep(2);
            }
            await spy.setrange(KEYS.round, 32, Buffer.alloc(32, 0xab));
            for (const x of w) x.child.kill('SIGCONT');
          })();
        },
      });
      await damaged;
      assert.deepEqual(got.rewards, local.rewards);
      assert.deepEqual(got.thetas, local.thetas);
    } finally {
      for (const x of w) x.child.kill('SIGCONT');
      spy.disconnect();
      await ev.close();
    }
    const lines = w.flatMap((x, i) => fetches(x).slice(seen[i]));
    assert.ok(
      lines.some((l) =>
        /θ rebuilt for round 2 differs from the master's \(sha256 [0-9a-f]{12}… vs abababababab…\)/.test(l),
      ),
      lines.join('\n'),
    );
    assert.ok(
      logs.some((l) => /round 2: esgrad:round vanished or changed/.test(l)),
      logs.join('\n'),
    );
  });

  it('a worker started after round 2 fetches the state, says so, and the results stay identical', async () => {
    let late: WorkerProcess | undefined;
    const ev = master();
    try {
      const got = await esRun(ev, ITERS, {
        replay: ev,
        between: async (t) => {
          if (t !== 2) return;
          await Promise.all(w.map(stopWorker)); // only the late worker is left to serve round 3
          late = startWorker(redis.url, 'late', [], ENV);
          workers.push(late);
        },
      });
      assert.deepEqual(got.rewards, local.rewards);
      assert.deepEqual(got.thetas, local.thetas);
    } finally {
      await ev.close();
    }
    assert.deepEqual(
      fetches(late!).map((l) => /joining at round (\d+)/.exec(l)?.[1]),
      ['3'],
      late!.stderr(),
    );
    // stopped, the first two workers said what replay cost them
    for (const x of w)
      assert.match(
        x.stderr(),
        /worker: replay: θ rebuilt by tell\(\) for [1-9]\d* round\(s\) \([\d.]+ s per tell\(\)\), fetched [1-9]\d* time\(s\)/,
      );
  });
});

describe('optimize() with replay workers', () => {
  let redis: TestRedis;
  let w: WorkerProcess | undefined;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    if (w) await stopWorker(w);
    await redis?.stop();
  });

  it('an objective worker rebuilds θ (Adam) and optimize() gives the in-process θ and fitness bit for bit', async () => {
    const theta0 = rastriginTheta0();
    const local = await optimize(RASTRIGIN, theta0, RASTRIGIN_RUN);
    w = startWorker(redis.url, 'o1', ['--objective', RASTRIGIN]);
    await w.connected;
    const logs: string[] = [];
    const remote = await optimize(RASTRIGIN, theta0, {
      ...RASTRIGIN_RUN,
      evaluator: 'redis',
      redisUrl: redis.url,
      replay: true,
      log: (m) => logs.push(m),
    });
    assert.deepEqual(remote.theta, local.theta);
    assert.deepEqual(remote.history, local.history);
    await stopWorker(w);
    const fetched = w
      .stderr()
      .split('\n')
      .filter((l) => l.includes('fetching θ and the optimizer state'));
    assert.deepEqual(fetched.length, 1, w.stderr()); // joining; rounds 2-4 rebuilt
  });
});

// The Redis evaluator under the faults of issue 15: keys that vanish without a lost connection
// (FLUSHDB, a stray SET of θ), a worker that cannot read θ, a worker stopped while Redis is down, a
// master stopped inside an iteration no worker answers; and the master's workers.json.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Network } from '../../src/backend/network.ts';
import { builtinSource } from '../../src/backend/source.ts';
import { type Dataset, loadDataset } from '../../src/data/index.ts';
import { ask, type EsState, init } from '../../src/es/index.ts';
import { taskData as makeTaskData, type TaskData } from '../../src/evaluate/evaluator.ts';
import { LocalEvaluator } from '../../src/evaluate/local.ts';
import { RedisEvaluator, WORKERS_FILE } from '../../src/evaluate/redis.ts';
import { redisTarget } from '../../src/evaluate/redis-connect.ts';
import { CHUNK_FIELD, GROUP, KEYS } from '../../src/evaluate/redis-protocol.ts';
import { modelWork } from '../../src/evaluate/redis-run.ts';
import { initParams } from '../../src/model/init.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { readCheckpoint } from '../../src/run/checkpoint.ts';
import { BIN } from '../helpers/cli.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';
import {
  startWorker as startWorkerProcess,
  stopWorker,
  type WorkerProcess,
} from '../helpers/worker-process.ts';

const ENV = { ...process.env, ESGRAD_DATA_DIR: MNIST_DIR, ESGRAD_DEBUG: '' };

/** Polls `check` until it holds (or fails the test after `ms`). */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

describe('Redis evaluator under faults', { timeout: 300_000 }, () => {
  const size = 200_000,
    sigma = 0.01;
  let redis: TestRedis, spy: Redis, net: Network, taskData: TaskData, dataset: Dataset, state: EsState;
  let expected: Float64Array, expected2: Float64Array;
  const workers: WorkerProcess[] = [];
  const evaluators: RedisEvaluator[] = [];
  const logs: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'esgrad-redis-faults-'));
  const startWorker = (name: string): WorkerProcess => {
    const w = startWorkerProcess(redis.url, name, [], ENV);
    workers.push(w);
    return w;
  };
  const master = (over: Partial<ConstructorParameters<typeof RedisEvaluator>[3]> = {}) => {
    const work = modelWork(builtinSource('cnn-29k'), net.size, dataset, 4);
    const ev = new RedisEvaluator(createNoiseTable(9, size), taskData.settings, work, {
      target: redisTarget(redis.url),
      tasksPerChunk: 8,
      leaseMs: 1000,
      checkEveryMs: 300,
      log: (m) => logs.push(m),
      ...over,
    });
    evaluators.push(ev);
    return ev;
  };
  const logged = (re: RegExp) => () => logs.some((l) => re.test(l));

  before(async () => {
    redis = await startRedis();
    spy = new Redis(redis.url);
    spy.on('error', () => {}); // one test takes Redis away
    dataset = await loadDataset('mnist', { dataDir: MNIST_DIR });
    net = Network.byName('cnn-29k', { threads: 2 });
    taskData = makeTaskData(dataset.train, { seed: 9, batch: 16, subsetSize: 16 });
    state = init({ population: 40, sigma, noiseTableSize: size, seed: 9 }, initParams(net.layout, 9));
    const local = new LocalEvaluator(net, createNoiseTable(9, size), taskData, 4);
    expected = await local.evaluate(state.thetaP, sigma, ask(state));
    expected2 = await local.evaluate(state.thetaP, sigma, ask({ ...state, generation: 1 }));
  });
  after(async () => {
    for (const ev of evaluators) await ev.close();
    for (const w of workers)
      if (w.child.signalCode === null && w.child.exitCode === null) w.child.kill('SIGCONT');
    await Promise.all(workers.map(stopWorker));
    spy?.disconnect();
    await net?.close();
    await redis?.stop();
  });

  it('FLUSHDB and a replaced θ mid-round are republished; the worker count survives; workers.json', async () => {
    const w1 = startWorker('w1'),
      w2 = startWorker('w2');
    await Promise.all([w1.connected, w2.connected]);
    await spy.flushdb(); // the workers' registrations go too: their heartbeats bring them back
    await until('both workers registered again', async () => (await spy.hlen(KEYS.workers)) === 2, 20_000);
    for (const w of [w1, w2]) w.child.kill('SIGSTOP'); // alive, but answering nothing for now
    const ev = master({ waitWarnMs: 300, runDir: tmp });
    const pending = ev.evaluate(state.thetaP, sigma, ask(state));
    await until(
      'the reminder',
      logged(/round 1: 0\/5 chunks answered, none for a while; 2 worker\(s\) registered/),
    );
    await spy.flushdb();
    await until(
      'the keys republished',
      logged(
        /round 1: .*esgrad:theta.* vanished or changed without a lost connection.*republished θ and 5 unanswered chunks/,
      ),
    );
    for (const w of [w1, w2]) w.child.kill('SIGCONT');
    assert.deepEqual(await pending, expected);
    // Round 2: θ replaced by another value while the workers are frozen.
    for (const w of [w1, w2]) w.child.kill('SIGSTOP');
    const pending2 = ev.evaluate(state.thetaP, sigma, ask({ ...state, generation: 1 }));
    await until('θ of round 2 published', async () => (await spy.strlen(KEYS.theta)) > 1000);
    await spy.set(KEYS.theta, 'not θ');
    for (const w of [w1, w2]) w.child.kill('SIGCONT');
    assert.deepEqual(await pending2, expected2);
    assert.ok(
      logs.some((l) => /round 2: esgrad:theta vanished or changed/.test(l)),
      logs.join('\n'),
    );
    await until('both registered', async () => (await spy.hlen(KEYS.workers)) === 2, 20_000);
    await ev.close();
    const file = JSON.parse(readFileSync(join(tmp, WORKERS_FILE), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(file).sort(), [
      'bytesPerIteration',
      'skippedFraction',
      'updated',
      'workers',
    ]);
    assert.ok(Number.isFinite(Date.parse(file.updated as string)));
    assert.equal(typeof file.skippedFraction, 'number');
    // θ (16 + 4P bytes) at least twice per round (round 1 republished it), plus chunks and results
    assert.ok((file.bytesPerIteration as number) > 4 * net.size, String(file.bytesPerIteration));
    const ws = file.workers as Record<string, unknown>[];
    assert.deepEqual(
      ws.map((w) => w.name),
      ['w1', 'w2'],
    );
    let chunks = 0;
    for (const w of ws) {
      assert.deepEqual(Object.keys(w).sort(), [
        'alive',
        'chunks',
        'host',
        'lastSeen',
        'malformed',
        'name',
        'pid',
        'stale',
      ]);
      assert.equal(w.alive, true);
      assert.equal(typeof w.host, 'string');
      assert.ok(w.pid === w1.child.pid || w.pid === w2.child.pid);
      assert.ok(Number.isFinite(Date.parse(w.lastSeen as string)));
      chunks += w.chunks as number;
    }
    assert.equal(chunks, 10, 'every chunk of both rounds answered once');
  });

  it('a chunk acknowledged without a result (an old worker, an evicted result) is re-issued', async () => {
    const frozen = workers.slice(0, 2);
    for (const w of frozen) w.child.kill('SIGSTOP');
    const ev = master();
    let pending: Promise<Float64Array> | undefined;
    try {
      pending = ev.evaluate(state.thetaP, sigma, ask(state));
      let stolen: [string, [string, string[]][]][] | null = null;
      await until('a chunk taken', async () => {
        try {
          stolen = (await spy.xreadgroup(
            'GROUP',
            GROUP,
            'careless',
            'COUNT',
            1,
            'STREAMS',
            KEYS.tasks,
            '>',
          )) as typeof stolen;
        } catch {
          // the master has not created the group yet
        }
        return stolen !== null;
      });
      await spy.xack(KEYS.tasks, GROUP, stolen![0]![1][0]![0]);
    } finally {
      for (const w of frozen) w.child.kill('SIGCONT');
    }
    assert.deepEqual(await pending, expected);
    assert.ok(
      logs.some((l) => /round 1: 1 unanswered chunks were neither waiting nor leased/.test(l)),
      logs.join('\n'),
    );
    await ev.close();
  });

  it("a worker that cannot read θ of a chunk's round leaves the chunk pending instead of acknowledging it", async () => {
    const ev = master({ leaseMs: 60_000 });
    await ev.connect(); // publishes the run; no round, so no θ
    const w = workers[0]!;
    const task = [0, 0, 0, 1, -1, -1];
    await spy.xadd(
      KEYS.tasks,
      '*',
      CHUNK_FIELD,
      JSON.stringify({ run: ev.runId, round: 1, chunk: 0, sigma, tasks: [task] }),
    );
    await until('a worker says it cannot read θ', () =>
      workers.some((x) =>
        /cannot read θ of round 1 at esgrad:theta; leaving chunk 0 to be re-issued/.test(x.stderr()),
      ),
    );
    const pending = (await spy.xpending(KEYS.tasks, GROUP)) as [number, ...unknown[]];
    assert.equal(pending[0], 1, 'the chunk is still leased, not acknowledged');
    assert.ok(w);
    await ev.close();
  });

  it('a worker stops on SIGTERM while Redis is unreachable', async () => {
    const w = startWorker('cut-off');
    await w.connected;
    await redis.down();
    try {
      await sleep(300); // the worker notices the loss
      const t0 = Date.now();
      w.child.kill('SIGTERM');
      const code = await Promise.race([w.exited, sleep(15_000).then(() => 'still running')]);
      assert.equal(code, 0, w.stderr());
      assert.ok(Date.now() - t0 < 15_000);
    } finally {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await redis.up();
    }
  });

  it('SIGTERM stops a master stuck in an iteration: checkpoint, keys removed, exit 143, resume with --redis', async () => {
    const out = join(tmp, 'stuck');
    const lines = () =>
      existsSync(join(out, 'metrics.jsonl'))
        ? readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).length
        : 0;
    if (workers.length === 0) await startWorker('w4').connected; // when run alone
    const args = ['train', '--algo', 'es', '--model', 'mlp', '--iters', '100000', '--population', '8'];
    args.push('--noise-table-size', '100000', '--batch', '16', '--eval-every', '100000', '--quiet');
    const m = spawn(process.execPath, [BIN, ...args, '--redis', redis.url, '--out', out], { env: ENV });
    let stdout = '',
      stderr = '';
    m.stdout.on('data', (d) => (stdout += d));
    m.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => m.once('exit', (code) => r(code)));
    await until('a few iterations done', () => lines() >= 3 || m.exitCode !== null);
    const pids = workers.map((w) => w.child.pid);
    for (const w of workers.splice(0)) {
      w.child.kill('SIGKILL'); // all workers gone: the master waits inside an iteration
      await w.exited;
    }
    await sleep(1000); // a round whose results were already sent may still end; then nothing completes
    const completed = lines();
    m.kill('SIGTERM');
    assert.equal(await exited, 143, stderr);
    assert.match(stderr, /round \d+ stopped; its results are discarded/);
    const resume = stdout.trim().split('\n').at(-1)!;
    assert.match(
      resume,
      new RegExp(
        `^stopped at iteration ${completed} of 100000; checkpoint written; continue with: esgrad train --resume ${out} --redis redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}/0`,
      ),
    );
    assert.ok(!stdout.includes(redis.password) && !stderr.includes(redis.password));
    assert.deepEqual(
      await spy.exists(KEYS.run, KEYS.theta, KEYS.tasks, KEYS.model),
      0,
      "the run's keys are removed",
    );
    // workers.json of a run of short rounds names the workers with their hosts and pids
    const listed = JSON.parse(readFileSync(join(out, WORKERS_FILE), 'utf8')) as {
      workers: { pid: number; chunks: number }[];
    };
    assert.ok(
      listed.workers.length > 0 && listed.workers.every((w) => pids.includes(w.pid)),
      JSON.stringify(listed),
    );
    assert.ok(listed.workers.some((w) => w.chunks > 0));
    assert.equal(
      readCheckpoint(out).loop.iteration,
      completed,
      'the checkpoint is of the last completed iteration',
    );
  });
});

// The Redis evaluator against a real redis-server (127.0.0.1, random port, password): a master and
// worker processes give the local evaluator's rewards bit for bit, also when a worker dies
// mid-iteration, stale / malformed / foreign results arrive, or Redis restarts; bad setups are refused.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
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
import { RedisEvaluator } from '../../src/evaluate/redis.ts';
import { redisTarget } from '../../src/evaluate/redis-connect.ts';
import { encodeModelSource, GROUP, KEYS, RESULT_FIELD } from '../../src/evaluate/redis-protocol.ts';
import { modelWork } from '../../src/evaluate/redis-run.ts';
import { initParams } from '../../src/model/init.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { VERSION } from '../../src/version.ts';
import { BIN } from '../helpers/cli.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';
import { freePort, startRedis, type TestRedis } from '../helpers/redis-server.ts';
import {
  startWorker as startWorkerProcess,
  stopWorker,
  type WorkerProcess,
} from '../helpers/worker-process.ts';

const ENV = { ...process.env, ESGRAD_DATA_DIR: MNIST_DIR, ESGRAD_DEBUG: '' };

const startWorker = (url: string, name: string, extra: readonly string[] = []): WorkerProcess =>
  startWorkerProcess(url, name, extra, ENV);

describe('RedisEvaluator with worker processes', () => {
  const size = 200_000,
    sigma = 0.01;
  let redis: TestRedis,
    spy: Redis,
    net: Network,
    taskData: TaskData,
    dataset: Dataset,
    state: EsState,
    expected: Float64Array,
    expected2: Float64Array;
  const workers: WorkerProcess[] = [];
  const evaluators: RedisEvaluator[] = [];
  const logs: string[] = [];
  const master = (over: Partial<ConstructorParameters<typeof RedisEvaluator>[3]> = {}) => {
    const work = modelWork(builtinSource('cnn-29k'), net.size, dataset, 4);
    const ev = new RedisEvaluator(createNoiseTable(9, size), taskData.settings, work, {
      target: redisTarget(redis.url),
      tasksPerChunk: 8,
      leaseMs: 1000,
      log: (m) => logs.push(m),
      ...over,
    });
    evaluators.push(ev);
    return ev;
  };

  before(async () => {
    redis = await startRedis();
    spy = new Redis(redis.url);
    spy.on('error', () => {}); // the restart test takes Redis away for a moment
    const data = await loadDataset('mnist', { dataDir: MNIST_DIR });
    net = Network.byName('cnn-29k', { threads: 2 });
    dataset = data;
    taskData = makeTaskData(data.train, { seed: 9, batch: 16, subsetSize: 16 });
    state = init({ population: 40, sigma, noiseTableSize: size, seed: 9 }, initParams(net.layout, 9));
    const local = new LocalEvaluator(net, createNoiseTable(9, size), taskData, 4);
    expected = await local.evaluate(state.thetaP, sigma, ask(state));
    expected2 = await local.evaluate(state.thetaP, sigma, ask({ ...state, generation: 1 }));
  });
  after(async () => {
    for (const ev of evaluators) await ev.close();
    await Promise.all(workers.map(stopWorker));
    spy?.disconnect();
    await net?.close();
    await redis?.stop();
  });

  it('master + 2 workers (1 and 3 threads) give rewards bit-identical to the local evaluator, θ sent once per round', async () => {
    workers.push(
      startWorker(redis.url, 'w1', ['--workers', '1']),
      startWorker(redis.url, 'w2', ['--workers', '3']),
    );
    const ev = master();
    const progress: number[] = [];
    assert.deepEqual(await ev.evaluate(state.thetaP, sigma, ask(state), (d) => progress.push(d)), expected);
    assert.deepEqual(await ev.evaluate(state.thetaP, sigma, ask({ ...state, generation: 1 })), expected2);
    assert.equal(progress.at(-1), 40);
    // per round: θ (16 + 4P bytes) once plus 5 chunk messages of a few hundred bytes each
    const perRound = ev.stats.bytesOut / 2;
    assert.ok(
      perRound > 4 * net.size && perRound < 4 * net.size + 5 * 1000,
      `bytes out per round ${perRound}`,
    );
    assert.equal(ev.stats.stale + ev.stats.malformed + ev.stats.refused, 0);
    const served = await spy.hkeys(KEYS.workers);
    assert.deepEqual(served.sort(), ['w1', 'w2']);
    await ev.close();
  });

  it('drops and counts stale, malformed and foreign results, and still gives the local rewards', async () => {
    const ev = master();
    await ev.connect();
    const good = {
      run: ev.runId,
      v: VERSION,
      worker: 'evil',
      round: 1,
      chunk: 0,
      generation: 0,
      ids: [0, 1, 2, 3, 4, 5, 6, 7],
      rewards: [1, 2, 3, 4, 5, 6, 7, 8],
    };
    const inject = (msg: unknown) =>
      spy.xadd(KEYS.results, '*', RESULT_FIELD, typeof msg === 'string' ? msg : JSON.stringify(msg));
    await inject({ ...good, round: 0 }); // stale: an earlier round
    await inject({ ...good, run: '0123456789abcdef' }); // stale: another run
    await inject('not json {');
    await inject({ ...good, rewards: [1, 2, 3] }); // wrong length
    await inject({ ...good, rewards: [1, 2, 3, 'x', 5, 6, 7, 8] }); // not a reward
    await inject(
      '{"run":"' +
        ev.runId +
        '","v":"' +
        VERSION +
        '","worker":"evil","round":1,"chunk":0,"generation":0,"ids":[0,1,2,3,4,5,6,7],"rewards":[1e999,2,3,4,5,6,7,8]}',
    ); // overflows to Infinity
    await inject({ ...good, ids: [7, 6, 5, 4, 3, 2, 1, 0] }); // not the chunk's tasks
    await inject({ ...good, generation: 5 });
    await inject({ ...good, chunk: 99 });
    await inject({ ...good, v: '0.0.0-old' }); // another esgrad version
    await inject({ ...good, worker: 'big', pad: 'x'.repeat(8 << 20) }); // 8 MB: dropped unread
    assert.deepEqual(await ev.evaluate(state.thetaP, sigma, ask(state)), expected);
    assert.deepEqual(ev.stats, { ...ev.stats, stale: 2, malformed: 8, refused: 1, oversized: 1 });
    assert.ok(
      logs.some((l) => /round 1: skipped 11 of \d+ results .*2 stale, 8 malformed, 1 refused/.test(l)),
      logs.join('\n'),
    );
    assert.ok(
      logs.some((l) =>
        /round 1: dropped a result of 8,388,\d{3} bytes from worker big unread \(a chunk's result is at most 4,480 bytes/.test(
          l,
        ),
      ),
      logs.join('\n'),
    );
    assert.ok(logs.some((l) => /refused results of worker evil: worker runs esgrad 0\.0\.0-old/.test(l)));
    await ev.close();
  });

  it('a worker killed mid-iteration and a consumer that never answers cost time, not results', async () => {
    await Promise.all(workers.splice(0).map(stopWorker));
    const victim = startWorker(redis.url, 'victim');
    workers.push(victim);
    const ev = master();
    await ev.connect();
    // A consumer that leases one chunk and never answers (a worker that died right after taking it).
    const thief = new Redis(redis.url);
    thief.on('error', () => {});
    const pending = ev.evaluate(state.thetaP, sigma, ask(state));
    let stolen: unknown = null;
    const until = Date.now() + 20_000;
    while (!stolen && Date.now() < until)
      stolen = await thief.xreadgroup(
        'GROUP',
        GROUP,
        'thief',
        'COUNT',
        1,
        'BLOCK',
        100,
        'STREAMS',
        KEYS.tasks,
        '>',
      );
    assert.ok(stolen, 'the thief got a chunk');
    // Kill the victim while it holds a leased chunk (or, should it have finished all the others, anyway).
    while (Date.now() < until) {
      const summary = (await spy.xpending(KEYS.tasks, GROUP)) as [
        number,
        string,
        string,
        [string, string][] | null,
      ];
      if (summary[3]?.some(([who]) => who === 'victim')) break;
      await sleep(1);
    }
    victim.child.kill('SIGKILL');
    await victim.exited;
    workers.push(startWorker(redis.url, 'survivor'));
    assert.deepEqual(await pending, expected);
    // The thief's chunk (and the victim's, had it one) went to the survivor when their leases expired.
    assert.ok(
      logs.some((l) => /round 1: chunk \d+'s lease expired .*re-issued, answered by survivor/.test(l)),
      logs.join('\n'),
    );
    thief.disconnect();
    await ev.close();
  });

  it('survives a Redis restart mid-iteration (re-issues θ and the unanswered chunks)', async () => {
    await Promise.all(workers.splice(0).map(stopWorker));
    const ev = master({ outageMs: 20_000 });
    await ev.connect();
    const pending = ev.evaluate(state.thetaP, sigma, ask({ ...state, generation: 1 }));
    await sleep(200); // θ and the chunks are on Redis, no worker yet
    await redis.restart(500); // Redis comes back empty
    workers.push(startWorker(redis.url, 'after-outage'));
    assert.deepEqual(await pending, expected2);
    assert.ok(
      logs.some((l) => /reconnected to redis:\/\/127\.0\.0\.1:\d+\/0 after/.test(l)),
      logs.join('\n'),
    );
    assert.ok(
      logs.some((l) => /re-issued θ and 5 unanswered chunks of round 1/.test(l)),
      logs.join('\n'),
    );
    await ev.close();
  });

  it('an ES run over Redis killed with SIGKILL and resumed matches an uninterrupted local run', async () => {
    const { mkdtempSync, readFileSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const tmp = mkdtempSync(join(tmpdir(), 'esgrad-redis-run-'));
    const lines = (dir: string) =>
      existsSync(join(dir, 'metrics.jsonl'))
        ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
        : [];
    const withoutTime = (dir: string) =>
      lines(dir).map((l) => {
        const { seconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return rest;
      });
    const args = [
      'train',
      '--algo',
      'es',
      '--model',
      'mlp',
      '--iters',
      '40',
      '--population',
      '20',
      '--noise-table-size',
      '1000000',
      '--batch',
      '32',
      '--eval-every',
      '10',
      '--seed',
      '6',
      '--quiet',
    ];
    const local = join(tmp, 'local'),
      remote = join(tmp, 'remote');
    assert.equal(
      spawnSync(process.execPath, [BIN, ...args, '--evaluator', 'local', '--out', local], { env: ENV })
        .status,
      0,
    );
    workers.push(startWorker(redis.url, 'w3'));
    const killAt = 5 + Math.floor(Math.random() * 25);
    const master1 = spawn(
      process.execPath,
      [BIN, ...args, '--redis', redis.url, '--checkpoint-every', '2', '--out', remote],
      { env: ENV, stdio: 'ignore' },
    );
    const gone = new Promise<string | null>((r) => master1.once('exit', (_c, signal) => r(signal)));
    while (lines(remote).length < killAt && master1.exitCode === null) await sleep(5);
    master1.kill('SIGKILL');
    assert.equal(await gone, 'SIGKILL');
    const resumed = spawnSync(
      process.execPath,
      [BIN, 'train', '--resume', remote, '--redis', redis.url, '--quiet'],
      { env: ENV, encoding: 'utf8' },
    );
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.ok(!resumed.stderr.includes(redis.password), 'the password is never printed');
    assert.match(resumed.stderr, /redis: run [0-9a-f]{16} on redis:\/\/127\.0\.0\.1:\d+\/0; start workers/);
    assert.deepEqual(withoutTime(remote), withoutTime(local), `killed after ${killAt} records`);
    assert.ok(
      !readFileSync(join(remote, 'config.json'), 'utf8').includes(redis.password),
      'no credentials in the run directory',
    );
  });

  it('a worker refuses a master of another esgrad version or with other training data', async () => {
    await Promise.all(workers.splice(0).map(stopWorker));
    const ev = master();
    await ev.connect();
    await ev.close(); // leaves no run behind; publish its model and doctored copies of its run info
    await spy.set(KEYS.model, encodeModelSource(builtinSource('cnn-29k')));
    for (const [over, pattern] of [
      [
        { version: '9.9.9' },
        /worker refused: the master runs esgrad 9\.9\.9 \(protocol \d+\), this worker esgrad .* install the same esgrad version/,
      ],
      [
        { subject: { ...ev.info.subject, dataFingerprint: 'f'.repeat(64) } },
        /worker refused: the mnist training images differ from the master's/,
      ],
      [
        { subject: { ...ev.info.subject, modelFingerprint: 'e'.repeat(64) } },
        /worker refused: the model published at the master is not the one its run names/,
      ],
      [
        {
          subject: {
            kind: 'objective',
            objective: 'f.mjs',
            objectiveHash: 'a'.repeat(64),
            direction: 'minimize',
          },
        },
        /worker refused: the master optimises the objective f\.mjs \(sha256 aaaaaaaaaaaa…\); start this worker with --objective FILE/,
      ],
    ] as const) {
      await spy.set(KEYS.run, JSON.stringify({ ...ev.info, ...over }));
      const w = startWorker(redis.url, 'other');
      assert.equal(await w.exited, 2, w.stderr());
      assert.match(w.stderr().trim().split('\n').at(-1)!, pattern);
      assert.ok(!w.stderr().includes(redis.password), 'the password is never printed');
    }
    await spy.del(KEYS.run, KEYS.model);
  });

  it('the master refuses an unreachable Redis or a wrong password with one line, no secret in it', async () => {
    const port = await freePort();
    const run = (url: string) =>
      spawnSync(
        process.execPath,
        [
          BIN,
          'train',
          '--algo',
          'es',
          '--model',
          'mlp',
          '--iters',
          '1',
          '--population',
          '4',
          '--noise-table-size',
          '100000',
          '--redis',
          url,
          '--quiet',
        ],
        { encoding: 'utf8', env: ENV },
      );
    const down = run(`redis://127.0.0.1:${port}/0`);
    assert.equal(down.status, 2, down.stderr);
    assert.match(
      down.stderr.trim().split('\n').at(-1)!,
      new RegExp(`^esgrad: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}/0: connection refused$`),
    );
    const wrong = run(`redis://:not-the-password@127.0.0.1:${redis.port}/0`);
    assert.equal(wrong.status, 2, wrong.stderr);
    assert.match(
      wrong.stderr,
      /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/0: the user name or password was refused/,
    );
    assert.ok(!wrong.stderr.includes('not-the-password'));
  });
});

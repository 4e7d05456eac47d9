// Control-task rollouts over Redis: 2 `esgrad worker` processes give the rewards, records and θ of the
// local and threads evaluators bit for bit; the round's observation filter reaches them with θ; a rollout
// that throws or returns NaN is a NaN reward on every evaluator; records are validated at the master.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Aggregator } from '../../src/aggregate/index.ts';
import {
  emptyObsStats,
  identityFilter,
  mergeObsStats,
  type ObsFilter,
  obsFilter,
} from '../../src/env/obs-filter.ts';
import { initPolicy } from '../../src/env/policy.ts';
import { rolloutRecordSize } from '../../src/env/rollout.ts';
import { prepareTask } from '../../src/env/tasks.ts';
import { ask, type EsTask, init, tell } from '../../src/es/index.ts';
import { evaluationSettings } from '../../src/evaluate/evaluator.ts';
import { runNoiseTable } from '../../src/evaluate/factory.ts';
import { redisTarget } from '../../src/evaluate/redis-connect.ts';
import {
  decodeFilter,
  decodeTheta,
  encodeFilter,
  encodeReward,
  encodeTheta,
  judgeResult,
} from '../../src/evaluate/redis-protocol.ts';
import { RedisRolloutEvaluator } from '../../src/evaluate/redis-rollout.ts';
import { rolloutPolicySpec } from '../../src/evaluate/rollout.ts';
import { LocalRolloutEvaluator, type RolloutEvaluator } from '../../src/evaluate/rollout-local.ts';
import { RolloutThreadsEvaluator } from '../../src/evaluate/rollout-threads.ts';
import { generationRecords, rolloutSettings, trainControl } from '../../src/run/control.ts';
import { type ControlConfig, controlEsSettings, parseControlConfig } from '../../src/run/control-config.ts';
import type { Vec } from '../../src/types.ts';
import { VERSION } from '../../src/version.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startWorker, stopWorker, type WorkerProcess } from '../helpers/worker-process.ts';

type Kind = 'local' | 'threads' | 'redis';

/** What one ES iteration saw: its filter, θ and tasks, the rewards and a copy of the records. */
interface Round {
  readonly filter: ObsFilter;
  readonly thetaP: Vec;
  readonly tasks: readonly EsTask[];
  readonly rewardsN: Float64Array;
  readonly recordsNR: Float64Array;
}

/** The evaluator of `kind` for config c (P parameters, N tasks a round). */
function evaluatorOf(
  kind: Kind,
  c: ControlConfig,
  noise: Float32Array,
  P: number,
  url: string,
  log: (m: string) => void,
) {
  const settings = rolloutSettings(c);
  const evaluation = evaluationSettings(init(controlEsSettings(c), new Float32Array(P)).config);
  const N = c.population;
  if (kind === 'redis')
    return new RedisRolloutEvaluator(settings, noise, evaluation, P, N, { target: redisTarget(url), log });
  if (kind === 'threads')
    return new RolloutThreadsEvaluator(settings, noise, evaluation, P, N, { workers: 2, log });
  return new LocalRolloutEvaluator(settings, noise, evaluation, P, N, log);
}

/** trainControl's loop (ask, filter, rollouts, tell, merged statistics), keeping every round. */
async function esLoop(kind: Kind, c: ControlConfig, url: string, log: (m: string) => void = () => {}) {
  await prepareTask(c.task);
  const policy = rolloutPolicySpec(rolloutSettings(c));
  let state = init(controlEsSettings(c), initPolicy(policy, c.seed));
  const P = state.thetaP.length;
  const noise = runNoiseTable(c.seed, state.config.noiseTableSize, kind === 'threads');
  const aggregator = new Aggregator(noise, { threads: 1 });
  const ev: RolloutEvaluator = evaluatorOf(kind, c, noise, P, url, log);
  let stats = emptyObsStats(policy.observationSize);
  const rounds: Round[] = [];
  try {
    for (let it = 0; it < c.iters; it++) {
      const filter = obsFilter(stats);
      ev.setObsFilter(filter);
      const tasks = ask(state);
      const rewardsN = await ev.evaluate(state.thetaP, state.config.sigma, tasks);
      rounds.push({ filter, thetaP: state.thetaP, tasks, rewardsN, recordsNR: ev.recordsNR.slice() });
      const gen = generationRecords(ev.recordsNR, c.population, policy.observationSize);
      state = tell(state, tasks, rewardsN, aggregator).state;
      if (gen.stats.count > 0) stats = mergeObsStats(stats, gen.stats);
    }
  } finally {
    await ev.close();
    await aggregator.close();
  }
  return { rounds, thetaP: state.thetaP, stats };
}

describe('control-task rollouts on Redis workers', () => {
  let redis: TestRedis;
  const workers: WorkerProcess[] = [];
  before(async () => {
    redis = await startRedis();
    workers.push(startWorker(redis.url, 'c1'), startWorker(redis.url, 'c2'));
    await Promise.all(workers.map((w) => w.connected));
  });
  after(async () => {
    await Promise.all(workers.map(stopWorker));
    await redis?.stop();
  });

  const c = parseControlConfig({
    task: 'cartpole',
    iters: 3,
    population: 20,
    hidden: [8],
    obsStatsFraction: 0.5,
    seed: 5,
  });

  it('rewards, records and θ of every iteration are those of the local and threads evaluators, bit for bit', async () => {
    const logs: string[] = [];
    const local = await esLoop('local', c, redis.url);
    const threads = await esLoop('threads', c, redis.url);
    const remote = await esLoop('redis', c, redis.url, (m) => logs.push(m));
    for (const other of [threads, remote]) {
      for (const [i, r] of other.rounds.entries()) {
        assert.deepEqual(r.rewardsN, local.rounds[i]!.rewardsN, `rewards of iteration ${i + 1}`);
        assert.deepEqual(r.recordsNR, local.rounds[i]!.recordsNR, `records of iteration ${i + 1}`);
      }
      assert.deepEqual(other.thetaP, local.thetaP);
      assert.deepEqual(other.stats, local.stats);
    }
    assert.ok(local.stats.count > 100, 'observations were collected');
    assert.ok(
      logs.some((l) => /^redis: 3 rounds; \d+ results, 0 skipped/.test(l)),
      logs.join('\n'),
    );
  });

  it("the round's observation filter reaches the workers: a stale (identity) filter would give other rewards", async () => {
    const remote = await esLoop('redis', c, redis.url);
    const policy = rolloutPolicySpec(rolloutSettings(c));
    const P = remote.thetaP.length;
    const noise = runNoiseTable(
      c.seed,
      init(controlEsSettings(c), remote.thetaP).config.noiseTableSize,
      false,
    );
    for (const r of remote.rounds.slice(1)) {
      assert.notDeepEqual(r.filter, identityFilter(policy.observationSize));
      const stale = evaluatorOf('local', c, noise, P, redis.url, () => {});
      stale.setObsFilter(identityFilter(policy.observationSize));
      const staleRewardsN = await stale.evaluate(r.thetaP, c.sigma, r.tasks);
      await stale.close();
      assert.notDeepEqual(staleRewardsN, r.rewardsN, 'the filter changes the rewards');
      const fresh = evaluatorOf('local', c, noise, P, redis.url, () => {});
      fresh.setObsFilter(r.filter);
      assert.deepEqual(await fresh.evaluate(r.thetaP, c.sigma, r.tasks), r.rewardsN);
      await fresh.close();
    }
  });

  it('trainControl with evaluator redis: the θ, statistics and metrics of a local run', async () => {
    const strip = (h: readonly Record<string, unknown>[]) =>
      h.map(({ seconds, timestepsPerSecond, ...m }) => m);
    const local = await trainControl({ ...c, evaluator: 'local' }, { log: () => {} });
    const remote = await trainControl({ ...c, evaluator: 'redis' }, { log: () => {}, redisUrl: redis.url });
    assert.deepEqual(remote.thetaP, local.thetaP);
    assert.deepEqual(remote.stats, local.stats);
    assert.deepEqual(strip(remote.history), strip(local.history));
  });

  it('a MuJoCo task (planar-hopper): the workers load MuJoCo and give the local rewards, records and θ', {
    timeout: 180_000,
  }, async () => {
    const h = parseControlConfig({
      task: 'planar-hopper',
      iters: 2,
      population: 8,
      hidden: [8],
      maxSteps: 50,
      obsStatsFraction: 0.5,
      seed: 3,
    });
    const local = await esLoop('local', h, redis.url);
    const remote = await esLoop('redis', h, redis.url);
    assert.deepEqual(remote, local);
  });

  it('a rollout that throws, and NaN policies, give the NaN rewards and records of the local evaluator', async () => {
    const p = parseControlConfig({
      task: 'pendulum',
      population: 8,
      sigma: 0.5,
      seed: 9,
      maxSteps: 30,
      hidden: [4],
    });
    const policy = rolloutPolicySpec(rolloutSettings(p));
    const state = init(controlEsSettings(p), initPolicy(policy, 9));
    const P = state.thetaP.length;
    const noise = runNoiseTable(9, state.config.noiseTableSize, false);
    const aggregator = new Aggregator(noise, { threads: 1 });
    const tasks = ask(state);
    // task 3's noise window lies outside the table: its candidate (so its rollout) throws RangeError
    const broken = tasks.map((t) => (t.id === 3 ? { ...t, noiseOffset: noise.length } : t));
    const nanThetaP = state.thetaP.slice().fill(NaN);
    const results: { rewardsN: Float64Array; recordsNR: Float64Array; bad: number }[][] = [];
    const logs: Record<string, string[]> = { local: [], redis: [] };
    for (const kind of ['local', 'redis'] as const) {
      const ev = evaluatorOf(kind, p, noise, P, redis.url, (m) => logs[kind]!.push(m));
      ev.setObsFilter(identityFilter(policy.observationSize));
      const runs = [];
      for (const [thetaP, ts] of [
        [state.thetaP, broken],
        [nanThetaP, tasks],
      ] as const) {
        const rewardsN = await ev.evaluate(thetaP, p.sigma, ts);
        // counted and dropped by tell (which refuses a generation without a usable reward)
        const bad = rewardsN.every(Number.isNaN)
          ? rewardsN.length
          : tell(state, tasks, rewardsN, aggregator).metrics.badRewards;
        runs.push({ rewardsN, recordsNR: ev.recordsNR.slice(), bad });
      }
      await ev.close();
      results.push(runs);
    }
    await aggregator.close();
    const [local, remote] = results as [(typeof results)[0], (typeof results)[0]];
    assert.deepEqual(remote, local);
    const [thrown, nan] = local;
    assert.deepEqual(
      Array.from(thrown!.rewardsN, (r, i) => [i, Number.isNaN(r)]).filter(([, nanReward]) => nanReward),
      [[3, true]],
    );
    assert.equal(thrown!.bad, 1);
    assert.ok(nan!.rewardsN.every(Number.isNaN));
    assert.equal(nan!.bad, 8);
    assert.match(logs.local!.join('\n'), /rollout of task 3 of generation 0 threw RangeError/);
    assert.match(
      logs.redis!.join('\n'),
      /on worker c[12]: rollout of task 3 of generation 0 threw RangeError/,
    );
  });
});

describe('rollout messages', () => {
  it('the filter travels after θ as float64, bit for bit', () => {
    const filter = { meanO: Float64Array.of(-0, 1e-300, Math.PI), stdO: Float64Array.of(0.1, 7, 1 / 3) };
    const buf = encodeTheta(
      '0123456789abcdef',
      4,
      Float32Array.of(1, 2),
      encodeFilter(filter.meanO, filter.stdO),
    );
    const got = decodeTheta(buf, '0123456789abcdef', 2, 48)!;
    assert.deepEqual(got.thetaP, Float32Array.of(1, 2));
    assert.deepEqual(decodeFilter(got.extra!, 3), filter);
    assert.equal(
      decodeTheta(buf, '0123456789abcdef', 2),
      undefined,
      'a filter that is not expected is not θ',
    );
    assert.equal(decodeTheta(buf, '0123456789abcdef', 2, 40), undefined);
  });

  it('records are checked: one per task of R floats, the return its reward, counts whole numbers', () => {
    const R = rolloutRecordSize(1);
    const want = {
      run: 'r',
      version: VERSION,
      round: 1,
      chunks: [{ ids: [0, 1], generation: 0 }],
      done: () => false,
      recordSize: R,
    };
    const message = (rewards: number[], records: number[]) =>
      JSON.stringify({
        run: 'r',
        v: VERSION,
        worker: 'w',
        round: 1,
        chunk: 0,
        generation: 0,
        ids: [0, 1],
        rewards: rewards.map(encodeReward),
        records: records.map(encodeReward),
      });
    const good = [12, 12, 12, 0.5, 0.25, NaN, 0, 0, 0, 0];
    const ok = judgeResult(message([12, NaN], good), want);
    assert.equal(ok.kind, 'ok');
    assert.deepEqual(ok.kind === 'ok' && ok.records, Float64Array.from(good));
    for (const [records, why] of [
      [good.slice(0, 9), /9 record floats for 2 tasks of 5/],
      [[11, ...good.slice(1)], /record 0's return is not its reward/],
      [[12, 12.5, ...good.slice(2)], /record 0's steps or observation count is not a count/],
      [[12, 12, -1, ...good.slice(3)], /record 0's steps or observation count is not a count/],
      [[...good.slice(0, 6), Infinity, ...good.slice(7)], /record 1's steps or observation count/],
    ] as const) {
      const v = judgeResult(message([12, NaN], [...records]), want);
      assert.equal(v.kind, 'malformed');
      assert.match(v.kind === 'malformed' ? v.why : '', why);
    }
    const none = judgeResult(message([12, NaN], good).replace(/,"records":\[[^\]]*\]/, ''), want);
    assert.match(none.kind === 'malformed' ? none.why : '', /no record floats/);
  });
});

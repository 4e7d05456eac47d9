// A user's objective over Redis: optimize() with 2 `esgrad worker --objective rastrigin.mjs` processes
// gives the in-process θ and fitness bit for bit; a worker holding other bytes of the module, or none,
// is refused with one line (exit code 2).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { evaluationSettings } from '../../src/evaluate/evaluator.ts';
import { loadObjective } from '../../src/evaluate/objective.ts';
import { RedisEvaluator } from '../../src/evaluate/redis.ts';
import { redisTarget } from '../../src/evaluate/redis-connect.ts';
import { objectiveWork } from '../../src/evaluate/redis-run.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { optimize } from '../../src/run/optimize.ts';
import { RASTRIGIN, RASTRIGIN_RUN, rastriginTheta0 } from '../fixtures/objectives.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startWorker, stopWorker, type WorkerProcess } from '../helpers/worker-process.ts';

describe('optimize() with Redis workers', () => {
  let redis: TestRedis, tmp: string;
  const workers: WorkerProcess[] = [];
  before(async () => {
    redis = await startRedis();
    tmp = mkdtempSync(join(tmpdir(), 'esgrad-objective-'));
  });
  after(async () => {
    await Promise.all(workers.map(stopWorker));
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('2 workers give the in-process θ and every fitness bit for bit', async () => {
    const theta0 = rastriginTheta0();
    const local = await optimize(RASTRIGIN, theta0, RASTRIGIN_RUN);
    workers.push(
      startWorker(redis.url, 'o1', ['--objective', RASTRIGIN]),
      startWorker(redis.url, 'o2', ['--objective', RASTRIGIN]),
    );
    const logs: string[] = [];
    const remote = await optimize(RASTRIGIN, theta0, {
      ...RASTRIGIN_RUN,
      evaluator: 'redis',
      redisUrl: redis.url,
      log: (m) => logs.push(m),
    });
    assert.deepEqual(remote.theta, local.theta);
    assert.deepEqual(remote.history, local.history);
    assert.deepEqual(remote.bestTheta, local.bestTheta);
    assert.ok(
      logs.some((l) => /^redis: 4 rounds; \d+ results, 0 skipped/.test(l)),
      logs.join('\n'),
    );
    // A worker that polls for runs after these 4 short rounds are over serves none of them: at least
    // one of the two must have built the run from what the master published.
    const served =
      /worker: run [0-9a-f]{16}: objective rastrigin\.mjs \(sha256 [0-9a-f]{12}…\), minimize, 1,000 parameters/;
    const stderrs: string[] = [];
    for (const w of workers.splice(0)) {
      assert.equal(await stopWorker(w), 0, w.stderr());
      stderrs.push(w.stderr());
    }
    assert.ok(
      stderrs.some((e) => served.test(e)),
      stderrs.join('\n'),
    );
  });

  it('a worker with other bytes of the module, or without --objective, is refused with one line', async () => {
    const module = await loadObjective(RASTRIGIN);
    const master = new RedisEvaluator(
      createNoiseTable(5, 1 << 16),
      evaluationSettings({ seed: 5 }),
      objectiveWork(module, 'minimize', 1000),
      { target: redisTarget(redis.url) },
    );
    await master.connect();
    try {
      const edited = join(tmp, 'rastrigin.mjs');
      writeFileSync(edited, `${readFileSync(RASTRIGIN, 'utf8')}// edited\n`);
      const h = module.hash.slice(0, 12);
      for (const [extra, pattern] of [
        [
          ['--objective', edited],
          new RegExp(
            `^esgrad: worker refused: the objective rastrigin\\.mjs \\(sha256 [0-9a-f]{12}…\\) differs from the master's rastrigin\\.mjs \\(sha256 ${h}…\\); give every worker the same file$`,
          ),
        ],
        [
          [],
          new RegExp(
            `^esgrad: worker refused: the master optimises the objective rastrigin\\.mjs \\(sha256 ${h}…\\); start this worker with --objective FILE$`,
          ),
        ],
      ] as const) {
        const w = startWorker(redis.url, 'odd', extra);
        workers.push(w);
        assert.equal(await w.exited, 2, w.stderr());
        assert.match(w.stderr().trim().split('\n').at(-1)!, pattern);
      }
    } finally {
      await master.close();
    }
  });
});

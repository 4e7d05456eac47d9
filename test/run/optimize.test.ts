// optimize() on a user's objective: a 1,000-dimensional Rastrigin module gives the same θ and every
// fitness bit for bit in-process and on 2 worker threads, and descends; the fitness matches f evaluated
// apart; a missing direction or a function for worker threads is a one-line UsageError; NaN and
// throwing evaluations are skipped, counted, and the first failure is logged once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ask, init } from '../../src/es/index.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { type OptimizeOptions, optimize } from '../../src/run/optimize.ts';
import { UsageError } from '../../src/types.ts';
import { boxTheta, RASTRIGIN, rastrigin, SPHERE } from '../fixtures/objectives.ts';

const es = { population: 100, sigma: 0.05, lr: 0.05, seed: 3, threads: 1 } as const;

describe('optimize() on Rastrigin, P = 1,000', () => {
  const theta0 = boxTheta(1000, 7);
  const options: OptimizeOptions = { ...es, direction: 'minimize', iterations: 100 };

  it('2 worker threads give the in-process θ and every fitness bit for bit, and f descends', async () => {
    const seen: number[] = [];
    const local = await optimize(RASTRIGIN, theta0, {
      ...options,
      onIteration: (i) => void seen.push(i.iteration),
    });
    const threads = await optimize(RASTRIGIN, theta0, { ...options, evaluator: 'threads', workers: 2 });
    assert.deepEqual(threads.theta, local.theta);
    assert.deepEqual(threads.history, local.history);
    assert.equal(threads.bestFitness, local.bestFitness);
    assert.deepEqual(threads.bestTheta, local.bestTheta);
    assert.deepEqual(seen, [...Array(100).keys()]);
    const first = local.history[0]!.meanFitness,
      last = local.history.at(-1)!.meanFitness;
    assert.ok(last < 0.65 * first, `mean f ${first} -> ${last}`);
    assert.equal(rastrigin(local.bestTheta), local.bestFitness, 'the best candidate has the best fitness');
    assert.ok(local.bestFitness <= Math.min(...local.history.map((h) => h.bestFitness)));
  });

  it("iteration 0's fitness is f of θ0 + sign·σ·ε computed apart (float32 Mul then Add)", async () => {
    const { history } = await optimize(RASTRIGIN, theta0, { ...options, iterations: 1 });
    const state = init({ population: es.population, sigma: es.sigma, seed: es.seed }, theta0);
    const table = createNoiseTable(es.seed, state.config.noiseTableSize);
    const fN = ask(state).map((t) => {
      const c = Math.fround(t.sign * es.sigma);
      return rastrigin(theta0.map((v, j) => Math.fround(v + Math.fround(c * table[t.noiseOffset + j]!))));
    });
    assert.equal(history[0]!.bestFitness, Math.min(...fN));
    assert.ok(Math.abs(history[0]!.meanFitness - fN.reduce((a, b) => a + b) / fN.length) < 1e-9 * fN[0]!);
  });
});

describe('optimize(): settings and failures', () => {
  const sphere = (x: Float32Array): number => x.reduce((s, v) => s + v * v, 0);

  it('refuses a missing direction, bad iterations and a function for worker threads with one line', async () => {
    const missing = { ...es, iterations: 2 } as unknown as OptimizeOptions;
    for (const [objective, o, pattern] of [
      [sphere, missing, /^objective: no direction: give direction: 'minimize' or 'maximize'$/],
      [sphere, { ...missing, direction: 'down' }, /direction "down" is not 'minimize' or 'maximize'/],
      [sphere, { ...es, direction: 'minimize', iterations: 0 }, /iterations: got 0; must be an integer >= 1/],
      [
        sphere,
        { ...es, direction: 'minimize', iterations: 1, evaluator: 'threads' },
        /the threads evaluator loads the objective in other threads or processes: give its module file's path/,
      ],
      [
        '/no/such/objective.mjs',
        { ...es, direction: 'minimize', iterations: 1 },
        /cannot read it \(ENOENT\)/,
      ],
    ] as const) {
      await assert.rejects(
        optimize(objective, new Float32Array(10), o as OptimizeOptions),
        (e: Error) => e instanceof UsageError && pattern.test(e.message) && !e.message.includes('\n'),
      );
    }
  });

  it('maximize: the reward is +f, the same run as minimising −f', async () => {
    const o = { ...es, iterations: 5, population: 20 };
    const max = await optimize((x) => -sphere(x), new Float32Array(50).fill(1), {
      ...o,
      direction: 'maximize',
    });
    const min = await optimize(sphere, new Float32Array(50).fill(1), { ...o, direction: 'minimize' });
    assert.deepEqual(max.theta, min.theta);
    assert.deepEqual(
      max.history.map((h) => -h.bestFitness),
      min.history.map((h) => h.bestFitness),
    );
    assert.ok(min.history.at(-1)!.meanFitness < min.history[0]!.meanFitness);
  });

  it('NaN values are skipped and counted; θ stays finite', async () => {
    const nanPerIteration: number[] = [];
    let calls = 0;
    const population = 20;
    const r = await optimize(
      (x) => {
        const it = Math.floor(calls++ / population);
        nanPerIteration[it] = nanPerIteration[it] ?? 0;
        if (Math.floor(x[0]! * 1e4) % 3 !== 0) return sphere(x);
        nanPerIteration[it]++;
        return NaN;
      },
      new Float32Array(30).fill(0.5),
      { ...es, population, mirrored: false, iterations: 6, direction: 'minimize' },
    );
    assert.deepEqual(
      r.history.map((h) => h.badEvaluations),
      nanPerIteration,
    );
    assert.ok(nanPerIteration.every((n) => n > 0 && n < population));
    assert.ok(r.theta.every(Number.isFinite));
  });

  for (const evaluator of ['local', 'threads'] as const) {
    it(`a throwing objective (${evaluator}): rewards NaN, counted, the first failure logged once`, async () => {
      process.env.ESGRAD_TEST_THROW = '1';
      const logs: string[] = [];
      try {
        const r = await optimize(SPHERE, new Float32Array(20).fill(0.5), {
          ...es,
          population: 20,
          mirrored: false,
          iterations: 3,
          direction: 'minimize',
          evaluator,
          workers: 2,
          log: (m) => logs.push(m),
        });
        const bad = r.history.reduce((s, h) => s + h.badEvaluations, 0);
        assert.ok(bad > 0 && bad < 60, `${bad} bad`);
        const failures = logs.filter((l) => /RangeError: x\[0\] = [\d.-]+ is unlucky/.test(l));
        assert.equal(failures.length, 1, logs.join('\n'));
        assert.match(
          failures[0]!,
          /^objective: (on worker \S+: )?task \d+ of generation \d+ threw RangeError/,
        );
        assert.ok(
          logs.some((l) => l === `objective: ${bad} evaluations failed in all (rewards NaN)`),
          logs.join('\n'),
        );
      } finally {
        delete process.env.ESGRAD_TEST_THROW;
      }
    });
  }
});

// Training a policy on a control task with OpenAI-ES (Salimans et al. 2017): ask, rollouts on the
// evaluator, tell; observation statistics merged at the master and shipped with θ; noiseless evaluations.
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Aggregator } from '../aggregate/index.ts';
import { VecEnv } from '../env/env.ts';
import { emptyObsStats, mergeObsStats, type ObsFilter, type ObsStats, obsFilter } from '../env/obs-filter.ts';
import { initPolicy, type PolicySpec } from '../env/policy.ts';
import { rolloutInto, rolloutRecordSize } from '../env/rollout.ts';
import { prepareTask, taskFactory } from '../env/tasks.ts';
import { ask, init, tell } from '../es/index.ts';
import { evaluationSettings } from '../evaluate/evaluator.ts';
import { runNoiseTable } from '../evaluate/factory.ts';
import { redisTarget } from '../evaluate/redis-connect.ts';
import { RedisRolloutEvaluator } from '../evaluate/redis-rollout.ts';
import { type RolloutSettings, rolloutPolicySpec } from '../evaluate/rollout.ts';
import { LocalRolloutEvaluator, type RolloutEvaluator } from '../evaluate/rollout-local.ts';
import { RolloutThreadsEvaluator } from '../evaluate/rollout-threads.ts';
import { hashSeed } from '../rng/prng.ts';
import { type Metrics, UsageError, type Vec } from '../types.ts';
import type { ControlConfig } from './control-config.ts';
import { controlEsSettings } from './control-config.ts';

const EVAL_STREAM = 0xe7a1;

/** A trained policy as saved (policy.json): enough to act without esgrad's run. */
export interface SavedPolicy {
  readonly task: string;
  readonly hidden: readonly number[];
  readonly maxSteps: number;
  readonly thetaP: number[];
  readonly obsMean: number[];
  readonly obsStd: number[];
}

/**
 * Mean return of θ (no noise) over `episodes` episodes with fixed seeds (the same episodes at every
 * evaluation), and the steps taken.
 */
export function evaluatePolicy(
  settings: Pick<RolloutSettings, 'task' | 'maxSteps'>,
  policy: PolicySpec,
  thetaP: Vec,
  filter: ObsFilter,
  seed: number,
  episodes: number,
): { meanReturn: number; returnsE: Float64Array; steps: number } {
  const factory = taskFactory(settings.task);
  const vec = new VecEnv(
    factory,
    episodes,
    settings.maxSteps > 0 ? { maxEpisodeSteps: settings.maxSteps } : undefined,
  );
  try {
    const R = rolloutRecordSize(policy.observationSize);
    const recordsER = new Float64Array(episodes * R);
    rolloutInto(
      vec,
      policy,
      filter,
      {
        policiesK: Array.from({ length: episodes }, () => thetaP),
        envSeedsK: Array.from({ length: episodes }, (_, e) => hashSeed(seed, EVAL_STREAM, e)),
        collectK: new Uint8Array(episodes),
        episodes: 1,
      },
      recordsER,
    );
    const returnsE = Float64Array.from({ length: episodes }, (_, e) => recordsER[e * R]!);
    let steps = 0;
    for (let e = 0; e < episodes; e++) steps += recordsER[e * R + 1]!;
    return { meanReturn: returnsE.reduce((a, b) => a + b, 0) / episodes, returnsE, steps };
  } finally {
    vec.close();
  }
}

/** Steps and observation statistics of one generation's records, merged in task order (deterministic). */
export function generationRecords(
  recordsNR: Float64Array,
  N: number,
  O: number,
): { steps: number; stats: { count: number; sumO: Float64Array; sumSqO: Float64Array } } {
  const R = rolloutRecordSize(O);
  const sumO = new Float64Array(O),
    sumSqO = new Float64Array(O);
  let steps = 0,
    count = 0;
  for (let n = 0; n < N; n++) {
    const r = n * R;
    if (Number.isFinite(recordsNR[r + 1]!)) steps += recordsNR[r + 1]!;
    if (!(recordsNR[r + 2]! > 0)) continue;
    let finite = true; // a rollout that diverged (NaN observations) must not poison the filter
    for (let i = 3; i < R; i++) finite &&= Number.isFinite(recordsNR[r + i]!);
    if (!finite) continue;
    count += recordsNR[r + 2]!;
    for (let i = 0; i < O; i++) {
      sumO[i]! += recordsNR[r + 3 + i]!;
      sumSqO[i]! += recordsNR[r + 3 + O + i]!;
    }
  }
  return { steps, stats: { count, sumO, sumSqO } };
}

export interface ControlRunOptions {
  readonly log?: (msg: string) => void;
  /** Called after every iteration with its metrics record (tests, progress). */
  readonly onIteration?: (m: Metrics) => void;
  /** The redis evaluator's redis://[user:password@]host:port/db (else $ESGRAD_REDIS_URL); never written to the run directory. */
  readonly redisUrl?: string | undefined;
}

export interface ControlResult {
  readonly thetaP: Vec;
  readonly stats: ObsStats;
  readonly history: readonly Metrics[];
  readonly summary: Metrics;
}

export const defaultControlRunDir = (c: ControlConfig): string =>
  join(
    'runs',
    `es-${basename(c.task, '.json')}-s${c.seed}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
  );

/** The rollouts a control config asks for (`obsStatsFraction` 0: the filter stays as it is). */
export function rolloutSettings(
  config: ControlConfig,
  obsStatsFraction = config.obsStatsFraction,
): RolloutSettings {
  return {
    task: config.task,
    hidden: config.hidden,
    episodes: config.episodesPerOffspring,
    maxSteps: config.maxSteps,
    obsStatsFraction,
  };
}

/**
 * Trains the policy: `iters` × (ask, rollouts, tell, merge the observation statistics). With `out`,
 * writes metrics.jsonl (one record per iteration), policy.json (final), policy-best.json (best noiseless
 * evaluation) and summary.json. Same config and seed: same θ, rewards and statistics on every evaluator.
 */
export async function trainControl(
  config: ControlConfig,
  opts: ControlRunOptions = {},
): Promise<ControlResult> {
  const log = opts.log ?? ((m: string) => console.error(m));
  await prepareTask(config.task);
  const settings = rolloutSettings(config);
  const policy = rolloutPolicySpec(settings);
  const O = policy.observationSize;
  let state = init(controlEsSettings(config), initPolicy(policy, config.seed));
  const P = state.thetaP.length;
  const N = state.config.population;
  const evaluation = evaluationSettings(state.config);
  const threads = config.evaluator === 'threads';
  const noiseTable = runNoiseTable(state.config.seed, state.config.noiseTableSize, threads);
  // a missing or bad URL is refused before the run directory is made
  const target = config.evaluator === 'redis' ? redisTarget(opts.redisUrl) : undefined;
  const out = config.out;
  if (out !== undefined) {
    if (existsSync(join(out, 'metrics.jsonl'))) throw new UsageError(`--out ${out}: a run is already there`);
    mkdirSync(out, { recursive: true });
    // the run's settings as given, so `esgrad train --config <out>/config.json --out OTHER` repeats it
    const { out: _, ...settingsOnly } = config;
    writeFileSync(join(out, 'config.json'), `${JSON.stringify(settingsOnly, null, 2)}\n`);
  }
  const aggregator = new Aggregator(noiseTable, config.threads ? { threads: config.threads } : {});
  const evaluator: RolloutEvaluator = target
    ? new RedisRolloutEvaluator(settings, noiseTable, evaluation, P, N, {
        target,
        log,
        ...(out === undefined ? {} : { runDir: out }),
      })
    : threads
      ? new RolloutThreadsEvaluator(settings, noiseTable, evaluation, P, N, {
          ...(config.workers ? { workers: config.workers } : {}),
          log,
        })
      : new LocalRolloutEvaluator(settings, noiseTable, evaluation, P, N, log);
  const save = (name: string, thetaP: Vec, filter: ObsFilter): void => {
    if (out === undefined) return;
    const saved: SavedPolicy = {
      task: config.task,
      hidden: config.hidden,
      maxSteps: config.maxSteps,
      thetaP: Array.from(thetaP),
      obsMean: Array.from(filter.meanO),
      obsStd: Array.from(filter.stdO),
    };
    writeFileSync(join(out, name), `${JSON.stringify(saved)}\n`);
  };
  let stats = emptyObsStats(O);
  const history: Metrics[] = [];
  let timesteps = 0,
    evalSteps = 0;
  let best = { evalReturn: -Infinity, iteration: -1 };
  let lastEval = NaN;
  const started = performance.now();
  try {
    for (let it = 0; it < config.iters; it++) {
      const filter = obsFilter(stats);
      evaluator.setObsFilter(filter);
      const tasks = ask(state);
      const rewardsN = await evaluator.evaluate(state.thetaP, state.config.sigma, tasks);
      const gen = generationRecords(evaluator.recordsNR, N, O);
      timesteps += gen.steps;
      const told = tell(state, tasks, rewardsN, aggregator);
      state = told.state;
      if (gen.stats.count > 0) stats = mergeObsStats(stats, gen.stats);
      const seconds = (performance.now() - started) / 1000;
      const m: Metrics = {
        iteration: it + 1,
        rewardMean: told.metrics.rewardMean,
        rewardMax: told.metrics.rewardMax,
        rewardMin: told.metrics.rewardMin,
        badRewards: told.metrics.badRewards,
        gradNorm: told.metrics.gradNorm,
        timesteps,
        obsCount: stats.count,
        seconds,
        timestepsPerSecond: timesteps / seconds,
      };
      if ((it + 1) % config.evalEvery === 0 || it + 1 === config.iters) {
        const f = obsFilter(stats);
        const ev = evaluatePolicy(settings, policy, state.thetaP, f, config.seed, config.evalEpisodes);
        evalSteps += ev.steps;
        lastEval = ev.meanReturn;
        m.evalReturn = ev.meanReturn;
        if (ev.meanReturn > best.evalReturn) {
          best = { evalReturn: ev.meanReturn, iteration: it + 1 };
          save('policy-best.json', state.thetaP, f);
        }
        log(
          `iteration ${it + 1}/${config.iters}: evaluation return ${ev.meanReturn.toFixed(1)} (${config.evalEpisodes} episodes), offspring mean ${m.rewardMean === null ? 'n/a' : Number(m.rewardMean).toFixed(1)}, ${timesteps} steps, ${seconds.toFixed(1)} s`,
        );
      }
      history.push(m);
      if (out !== undefined) appendFileSync(join(out, 'metrics.jsonl'), `${JSON.stringify(m)}\n`);
      opts.onIteration?.(m);
    }
  } finally {
    await evaluator.close();
    await aggregator.close();
  }
  const seconds = (performance.now() - started) / 1000;
  save('policy.json', state.thetaP, obsFilter(stats));
  const summary: Metrics = {
    task: config.task,
    iterations: config.iters,
    population: N,
    parameters: P,
    finalEvalReturn: lastEval,
    bestEvalReturn: best.evalReturn,
    bestEvalIteration: best.iteration,
    timesteps,
    evalTimesteps: evalSteps,
    seconds,
    timestepsPerSecond: timesteps / seconds,
    evaluator: config.evaluator,
    seed: config.seed,
  };
  if (out !== undefined) writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return { thetaP: state.thetaP, stats, history, summary };
}

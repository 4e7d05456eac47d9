// Training a policy on a control task with OpenAI-ES (Salimans et al. 2017): ask, rollouts on the
// evaluator, tell; observation statistics merged at the master and shipped with θ; noiseless evaluations.
import { basename, join } from 'node:path';
import { Aggregator } from '../aggregate/index.ts';
import { VecEnv } from '../env/env.ts';
import { emptyObsStats, mergeObsStats, type ObsFilter, type ObsStats, obsFilter } from '../env/obs-filter.ts';
import { initPolicy, type PolicySpec } from '../env/policy.ts';
import { rolloutInto, rolloutRecordSize } from '../env/rollout.ts';
import { prepareTask, taskFactory } from '../env/tasks.ts';
import { ask, init, tell } from '../es/index.ts';
import { type EvaluationSettings, evaluationSettings } from '../evaluate/evaluator.ts';
import { runNoiseTable } from '../evaluate/factory.ts';
import { type RedisTarget, redisTarget } from '../evaluate/redis-connect.ts';
import { RedisRolloutEvaluator } from '../evaluate/redis-rollout.ts';
import { type RolloutSettings, rolloutPolicySpec } from '../evaluate/rollout.ts';
import { LocalRolloutEvaluator, type RolloutEvaluator } from '../evaluate/rollout-local.ts';
import { RolloutThreadsEvaluator } from '../evaluate/rollout-threads.ts';
import { hashSeed } from '../rng/prng.ts';
import type { Metrics, Vec } from '../types.ts';
import {
  type ControlProgress,
  type ControlResumePoint,
  prepareControlRunDir,
  startProgress,
  writeControlCheckpoint,
  writePolicy,
} from './control-checkpoint.ts';
import { type ControlConfig, controlEsSettings } from './control-config.ts';
import { appendText } from './files.ts';
import { writeJsonAtomic } from './reporters.ts';

const EVAL_STREAM = 0xe7a1;

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
  /**
   * Stop after the current iteration (Ctrl-C, SIGTERM; a Redis round stops at once and is redone on
   * resume): policy.json and a checkpoint of the last completed iteration; the summary says interrupted.
   */
  readonly signal?: AbortSignal;
  /** Continue the run in config.out from its checkpoint (control-checkpoint.ts controlResume). */
  readonly resume?: ControlResumePoint;
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
 * The rollout evaluator a control config names, for at most `capacity` tasks per evaluate: on Redis
 * (`target` given), worker threads or in-process.
 */
export function rolloutEvaluator(
  config: ControlConfig,
  settings: RolloutSettings,
  noiseTable: Float32Array,
  evaluation: EvaluationSettings,
  params: number,
  capacity: number,
  o: { log: (msg: string) => void; target?: RedisTarget; signal?: AbortSignal; runDir?: string },
): RolloutEvaluator {
  if (o.target) {
    const { log, target, signal, runDir } = o;
    return new RedisRolloutEvaluator(settings, noiseTable, evaluation, params, capacity, {
      target,
      log,
      ...(signal ? { signal } : {}),
      ...(runDir === undefined ? {} : { runDir }),
    });
  }
  return config.evaluator === 'threads'
    ? new RolloutThreadsEvaluator(settings, noiseTable, evaluation, params, capacity, {
        ...(config.workers ? { workers: config.workers } : {}),
        log: o.log,
      })
    : new LocalRolloutEvaluator(settings, noiseTable, evaluation, params, capacity, o.log);
}

/**
 * Trains the policy: `iters` × (ask, rollouts, tell, merge the observation statistics). With `out`,
 * writes metrics.jsonl (one record per iteration), policy.json (final), policy-best.json (best noiseless
 * evaluation), summary.json and checkpoints (control-checkpoint.ts). Same config and seed: same θ,
 * rewards and statistics on every evaluator, and when resumed from a checkpoint.
 */
export async function trainControl(
  config: ControlConfig,
  opts: ControlRunOptions = {},
): Promise<ControlResult> {
  const log = opts.log ?? ((m: string) => console.error(m));
  const from = opts.resume;
  await prepareTask(config.task);
  const settings = rolloutSettings(config);
  const policy = rolloutPolicySpec(settings);
  const O = policy.observationSize;
  let state = init(controlEsSettings(config), from?.es.thetaP ?? initPolicy(policy, config.seed));
  if (from) state = { ...state, optState: from.es.optState, generation: from.es.generation ?? 0 };
  const P = state.thetaP.length;
  const N = state.config.population;
  const evaluation = evaluationSettings(state.config);
  const threads = config.evaluator === 'threads';
  const noiseTable = runNoiseTable(state.config.seed, state.config.noiseTableSize, threads);
  // a missing or bad URL is refused before the run directory is made
  const target = config.evaluator === 'redis' ? redisTarget(opts.redisUrl) : undefined;
  const out = config.out;
  if (out !== undefined) prepareControlRunDir(out, config, from?.history, log);
  if (from) log(`resuming at iteration ${from.progress.iteration} of ${config.iters}`);
  const aggregator = new Aggregator(noiseTable, config.threads ? { threads: config.threads } : {});
  const evaluator = rolloutEvaluator(config, settings, noiseTable, evaluation, P, N, {
    log,
    ...(target ? { target } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(out === undefined ? {} : { runDir: out }),
  });
  const save = (name: string, thetaP: Vec, filter: ObsFilter): void => {
    if (out !== undefined) writePolicy(join(out, name), config, thetaP, filter);
  };
  let stats = from?.obsStats ?? emptyObsStats(O);
  let p: ControlProgress = from?.progress ?? startProgress;
  const history: Metrics[] = [...(from?.history ?? [])];
  const lines = history.map((m) => JSON.stringify(m)); // metrics.jsonl's lines
  let written = lines.length; // of them, those in metrics.jsonl
  const started = performance.now() - 1000 * (from?.seconds ?? 0);
  const elapsed = (): number => (performance.now() - started) / 1000;
  let checkpointed = from ? p.iteration : -1;
  const checkpoint = (): void => {
    if (out === undefined || checkpointed === p.iteration) return;
    const unwritten = history.slice(written);
    writeControlCheckpoint(out, config, state, stats, p, elapsed(), lines.slice(0, written), unwritten);
    checkpointed = p.iteration;
  };
  try {
    for (;;) {
      await new Promise((r) => setImmediate(r)); // let a signal in: the local evaluator never waits on I/O
      if (p.iteration >= config.iters || opts.signal?.aborted) break;
      evaluator.setObsFilter(obsFilter(stats));
      const tasks = ask(state);
      let rewardsN: Float64Array;
      try {
        rewardsN = await evaluator.evaluate(state.thetaP, state.config.sigma, tasks);
      } catch (e) {
        checkpoint(); // the state before this iteration: a resumed run redoes it
        if (opts.signal?.aborted) break; // a Redis round stopped by the signal
        throw e;
      }
      const gen = generationRecords(evaluator.recordsNR, N, O);
      const told = tell(state, tasks, rewardsN, aggregator);
      const nextStats = gen.stats.count > 0 ? mergeObsStats(stats, gen.stats) : stats;
      const it = p.iteration + 1;
      let next: ControlProgress = { ...p, iteration: it, timesteps: p.timesteps + gen.steps };
      const seconds = elapsed();
      const m: Metrics = {
        iteration: it,
        rewardMean: told.metrics.rewardMean,
        rewardMax: told.metrics.rewardMax,
        rewardMin: told.metrics.rewardMin,
        badRewards: told.metrics.badRewards,
        gradNorm: told.metrics.gradNorm,
        timesteps: next.timesteps,
        obsCount: nextStats.count,
        seconds,
        timestepsPerSecond: next.timesteps / seconds,
      };
      if (it % config.evalEvery === 0 || it === config.iters) {
        const f = obsFilter(nextStats);
        const ev = evaluatePolicy(settings, policy, told.state.thetaP, f, config.seed, config.evalEpisodes);
        next = { ...next, evalTimesteps: next.evalTimesteps + ev.steps, lastEvalReturn: ev.meanReturn };
        m.evalReturn = ev.meanReturn;
        if (ev.meanReturn > next.bestEvalReturn) {
          next = { ...next, bestEvalReturn: ev.meanReturn, bestEvalIteration: it };
          save('policy-best.json', told.state.thetaP, f);
        }
        log(
          `iteration ${it}/${config.iters}: evaluation return ${ev.meanReturn.toFixed(1)} (${config.evalEpisodes} episodes), offspring mean ${m.rewardMean === null ? 'n/a' : Number(m.rewardMean).toFixed(1)}, ${next.timesteps} steps, ${seconds.toFixed(1)} s`,
        );
      }
      state = told.state;
      stats = nextStats;
      p = next;
      history.push(m);
      lines.push(JSON.stringify(m));
      if (out !== undefined) {
        try {
          appendText(join(out, 'metrics.jsonl'), `${lines.at(-1)}\n`);
        } catch (e) {
          checkpoint(); // a failed write (a full disk) must not lose the iteration: the checkpoint carries its record
          throw e;
        }
      }
      written = lines.length;
      opts.onIteration?.(m);
      if (config.checkpointEvery > 0 && it % config.checkpointEvery === 0) checkpoint();
    }
  } finally {
    await evaluator.close();
    await aggregator.close();
  }
  const interrupted = p.iteration < config.iters;
  // a stopped run, and a finished one that keeps checkpoints (or was resumed: no stale one stays behind)
  if (interrupted || config.checkpointEvery > 0 || checkpointed >= 0) checkpoint();
  save('policy.json', state.thetaP, obsFilter(stats));
  const seconds = elapsed();
  const summary: Metrics = {
    task: config.task,
    iterations: p.iteration,
    population: N,
    parameters: P,
    finalEvalReturn: p.lastEvalReturn,
    bestEvalReturn: p.bestEvalReturn,
    bestEvalIteration: p.bestEvalIteration,
    timesteps: p.timesteps,
    evalTimesteps: p.evalTimesteps,
    seconds,
    timestepsPerSecond: p.timesteps / seconds,
    evaluator: config.evaluator,
    seed: config.seed,
    ...(interrupted ? { interrupted: true } : {}),
  };
  if (out !== undefined && !interrupted) writeJsonAtomic(join(out, 'summary.json'), summary);
  return { thetaP: state.thetaP, stats, history, summary };
}

// optimize(): a user's objective f(θ) minimised or maximised by OpenAI-ES in one call (evosax / EvoTorch
// style): the noise table, Aggregator and evaluator (in-process, worker threads or Redis) made and closed here.
import { Aggregator } from '../aggregate/index.ts';
import { candidateInto } from '../es/candidates.ts';
import { type EsConfigInput, init, resolveNoiseTableSize } from '../es/index.ts';
import { ask, stateBuckets, tell } from '../es/openai-es.ts';
import { type Evaluator, evaluationSettings } from '../evaluate/evaluator.ts';
import { runNoiseTable } from '../evaluate/factory.ts';
import {
  checkDirection,
  type Direction,
  loadObjective,
  type ObjectiveFn,
  type ObjectiveModule,
  rewardOf,
} from '../evaluate/objective.ts';
import { ObjectiveEvaluator } from '../evaluate/objective-local.ts';
import { ObjectiveThreadsEvaluator } from '../evaluate/objective-threads.ts';
import { RedisEvaluator } from '../evaluate/redis.ts';
import { redisTarget } from '../evaluate/redis-connect.ts';
import { objectiveWork } from '../evaluate/redis-run.ts';
import { UsageError, type Vec } from '../types.ts';
import { checkEsMemory } from './memory.ts';

/** The ES settings of es/config.ts that apply to an objective (no data: no batch or subsets). */
export type OptimizeEsSettings = Omit<EsConfigInput, 'batch' | 'noMinibatch' | 'subsetSize'>;

export interface OptimizeOptions extends OptimizeEsSettings {
  /** Whether f is a loss ('minimize') or a score ('maximize'); required. */
  readonly direction: Direction;
  /** ES iterations (generations). */
  readonly iterations: number;
  /** Where f runs: this thread (default), worker threads, or `esgrad worker --objective FILE` processes via Redis. */
  readonly evaluator?: 'local' | 'threads' | 'redis';
  /** Worker threads of the threads evaluator (default: every core). */
  readonly workers?: number;
  /** The Redis evaluator's redis://[user:password@]host:port/db (else $ESGRAD_REDIS_URL). */
  readonly redisUrl?: string;
  /** Redis: workers rebuild θ from each round's rewards (tell() as here), checked by its sha256; θ travels only to a worker that joins or differs. */
  readonly replay?: boolean;
  /** Threads of the gradient aggregation (default: every core). */
  readonly threads?: number;
  /** Messages (an objective's first failure, Redis connections); default: stderr. */
  readonly log?: (msg: string) => void;
  /** Called after every iteration; may be async (the run waits for it). */
  readonly onIteration?: (info: IterationInfo) => void | Promise<void>;
}

/** One iteration's fitness (values of f, not rewards): best and mean over its finite evaluations. */
export interface IterationRecord {
  readonly iteration: number;
  readonly bestFitness: number;
  readonly meanFitness: number;
  /** Evaluations that gave NaN or ±Infinity, or failed (skipped by the update). */
  readonly badEvaluations: number;
}

export interface IterationInfo extends IterationRecord {
  /** θ after this iteration's update. */
  readonly thetaP: Vec;
}

export interface OptimizeResult {
  /** The final θ (the search distribution's mean). */
  readonly theta: Vec;
  /** The best f of any candidate evaluated, and that candidate. */
  readonly bestFitness: number;
  readonly bestTheta: Vec;
  readonly history: readonly IterationRecord[];
}

/** An objective: a function (in-process only), or a module file's path or URL (any evaluator). */
export type ObjectiveInput = ObjectiveFn | string | URL;

const EVALUATORS = ['local', 'threads', 'redis'] as const;

function checkOptions(objective: ObjectiveInput, o: OptimizeOptions): void {
  checkDirection(o.direction);
  if (!(Number.isSafeInteger(o.iterations) && o.iterations >= 1))
    throw new UsageError(`optimize: iterations: got ${o.iterations}; must be an integer >= 1`);
  const kind = o.evaluator ?? 'local';
  if (!EVALUATORS.includes(kind))
    throw new UsageError(`optimize: evaluator '${kind}' is not one of ${EVALUATORS.join(', ')}`);
  if (typeof objective === 'function' && kind !== 'local')
    throw new UsageError(
      `optimize: the ${kind} evaluator loads the objective in other threads or processes: give its module file's path, not a function`,
    );
  if (o.replay && kind !== 'redis')
    throw new UsageError('optimize: replay is for the redis evaluator: its workers rebuild θ themselves');
  if (o.workers !== undefined && !(Number.isSafeInteger(o.workers) && o.workers >= 0))
    throw new UsageError(`optimize: workers: got ${o.workers}; must be an integer >= 0 (0: every core)`);
}

async function objectiveModule(objective: string | URL): Promise<ObjectiveModule> {
  return loadObjective(objective instanceof URL ? decodeURIComponent(objective.pathname) : objective);
}

/**
 * Optimises f from theta0 with OpenAI-ES: init, then `iterations` × (ask, evaluate, tell). f's values
 * become rewards by the direction; NaN, ±Infinity and failures are skipped and counted (the first
 * failure is logged). Every evaluator gives the same θ and fitness bit for bit.
 */
export async function optimize(
  objective: ObjectiveInput,
  theta0: Vec | readonly number[],
  options: OptimizeOptions,
): Promise<OptimizeResult> {
  checkOptions(objective, options);
  const {
    direction,
    iterations,
    evaluator: kind = 'local',
    workers,
    redisUrl,
    replay,
    threads,
    log = (m: string) => console.error(m),
    onIteration,
    ...es
  } = options;
  let state = init(es, Float32Array.from(theta0));
  const P = state.thetaP.length;
  const size = { ...state.config, noiseTableSize: resolveNoiseTableSize(state.config, P), params: P };
  checkEsMemory(size, undefined, 'population'); // a run too large for this machine
  const settings = evaluationSettings(state.config);
  const noiseTable = runNoiseTable(state.config.seed, state.config.noiseTableSize, kind === 'threads');
  const module = typeof objective === 'function' ? undefined : await objectiveModule(objective);
  const open: { close(): Promise<void> }[] = [];
  try {
    const aggregator = new Aggregator(noiseTable, threads === undefined ? {} : { threads });
    open.push(aggregator);
    let evaluator: Evaluator;
    if (kind === 'threads') {
      evaluator = new ObjectiveThreadsEvaluator(module!, direction, P, noiseTable, settings, {
        ...(workers ? { workers } : {}),
        log,
      });
    } else if (kind === 'redis') {
      const redis = new RedisEvaluator(noiseTable, settings, objectiveWork(module!, direction, P), {
        target: redisTarget(redisUrl),
        log,
      });
      open.push(redis);
      if (replay)
        redis.replay(state.config, () => ({
          thetaP: state.thetaP,
          optState: state.optState,
          generation: state.generation,
        }));
      await redis.connect(); // one clear line when Redis is unreachable
      evaluator = redis;
    } else {
      evaluator = new ObjectiveEvaluator(
        { fn: typeof objective === 'function' ? objective : module!.fn, direction },
        noiseTable,
        settings,
        log,
      );
    }
    if (!open.includes(evaluator)) open.push(evaluator);
    const buckets = stateBuckets(state.config, P);
    const history: IterationRecord[] = [];
    let best: { fitness: number; thetaP: Vec } = { fitness: NaN, thetaP: state.thetaP.slice() };
    for (let iteration = 0; iteration < iterations; iteration++) {
      const tasks = ask(state);
      const rewardsN = await evaluator.evaluate(state.thetaP, state.config.sigma, tasks);
      let top = -1;
      for (let i = 0; i < rewardsN.length; i++)
        if (Number.isFinite(rewardsN[i]!) && (top < 0 || rewardsN[i]! > rewardsN[top]!)) top = i;
      if (top >= 0 && !(rewardOf(best.fitness, direction) >= rewardsN[top]!)) {
        const thetaP = candidateInto(
          new Float32Array(P),
          state.thetaP,
          noiseTable,
          tasks[top]!,
          state.config.sigma,
          buckets,
        );
        best = { fitness: rewardOf(rewardsN[top]!, direction), thetaP };
      }
      const told = tell(state, tasks, rewardsN, aggregator);
      state = told.state;
      const record: IterationRecord = {
        iteration,
        bestFitness: rewardOf(told.metrics.rewardMax, direction),
        meanFitness: rewardOf(told.metrics.rewardMean, direction),
        badEvaluations: told.metrics.badRewards,
      };
      history.push(record);
      await onIteration?.({ ...record, thetaP: state.thetaP });
    }
    return { theta: state.thetaP, bestFitness: best.fitness, bestTheta: best.thetaP, history };
  } finally {
    for (const r of open.reverse()) await r.close().catch((e: unknown) => log(`optimize: closing: ${e}`));
  }
}

// What an esgrad worker builds for a Redis run it serves: the noise table (checked by hash), the model
// from esgrad:model and the data (checked by fingerprint), the user's objective module (by sha256), or
// a control task's environments and policy (by name and size).
import type { Redis } from 'ioredis';
import { modelFingerprint, openModel } from '../backend/source.ts';
import { dataFingerprint, loadDataset } from '../data/index.ts';
import { prepareTask, TASK_NAMES } from '../env/tasks.ts';
import type { EsTask } from '../es/task.ts';
import { createNoiseTable } from '../rng/noise-table.ts';
import { UsageError, type Vec } from '../types.ts';
import { evaluateTasks } from './local.ts';
import { describeObjective, FailureReport, loadObjective } from './objective.ts';
import { evaluateObjectiveTasks } from './objective-local.ts';
import type { RedisTarget } from './redis-connect.ts';
import {
  decodeFilter,
  decodeModelSource,
  KEYS,
  type ModelSubject,
  type ObjectiveSubject,
  type RolloutSubject,
  type RunInfo,
} from './redis-protocol.ts';
import { newReplica, type Replica } from './redis-replica.ts';
import {
  dataRefusal,
  modelRefusal,
  objectiveRefusal,
  parseRunInfo,
  rolloutRefusal,
  subjectRefusal,
  tableHash,
  tableRefusal,
  versionRefusal,
} from './redis-run.ts';
import { RolloutRunner } from './rollout.ts';
import { sharedSplit, ThreadsEvaluator } from './threads.ts';
import type { ChunkFailures } from './threads-protocol.ts';

export interface WorkerOptions {
  readonly target: RedisTarget;
  /** Where this machine keeps a registered dataset's files (else ESGRAD_DATA_DIR, else the download cache). */
  readonly dataDir?: string;
  /** The dataset to load instead of the master's by name (a user's directory); checked by fingerprint. */
  readonly dataset?: string;
  /** The objective module to serve objective runs with (checked against the master's sha256). */
  readonly objective?: string;
  /** ONNX Runtime intra-op threads of each evaluating thread (default 1). */
  readonly threads?: number;
  /**
   * Evaluating threads (default 1): a model run's chunks go to a pool of this many worker threads
   * sharing one noise table, one copy of the training data and one θ per round; up to this many
   * chunks are taken at a time. Objective and rollout runs evaluate on one thread.
   */
  readonly workers?: number;
  readonly name?: string;
  readonly log: (msg: string) => void;
  /** Stop after the current chunk. */
  readonly signal?: AbortSignal;
}

/** What a chunk's evaluation gives back: rewards, failures, and a rollout run's records (K × R, task order). */
export interface ChunkResult {
  readonly rewardsN: Float64Array;
  readonly failures?: ChunkFailures;
  readonly recordsKR?: Float64Array;
}

/** Evaluates a chunk at θ; `extra`: the bytes after θ at esgrad:theta (a rollout run's filter). */
export type EvaluateChunk = (
  thetaP: Vec,
  sigma: number,
  tasks: readonly EsTask[],
  extra: Uint8Array | undefined,
) => Promise<ChunkResult>;

/** What a worker builds for a run: the evaluation of a chunk and what to close. */
export interface Build {
  info: RunInfo;
  readonly evaluate: EvaluateChunk;
  /** Chunks it evaluates at once (its threads). */
  readonly parallel: number;
  readonly close: () => Promise<void>;
  /** The run's noise table (a replay worker's tell() aggregates over it). */
  readonly noiseTable: Float32Array;
  /** Bytes after θ at esgrad:theta (a rollout run's observation filter; else 0). */
  readonly extraBytes: number;
  /** A replay run's copy of the ES state (redis-replica.ts). */
  replica?: Replica;
  theta?: { runId: string; round: number; thetaP: Float32Array; extra?: Uint8Array };
  /** The last round whose θ this worker could not read (logged once). */
  missedRound?: string;
  /** The evaluation in progress, if any. */
  busy?: Promise<unknown>;
}

/** Runs that differ only in id and lease are served by the same build. */
export const buildKey = (i: RunInfo): string => JSON.stringify({ ...i, runId: '', leaseMs: 0 });
const refuse = (why: string): never => {
  throw new UsageError(`worker refused: ${why}`);
};

/** The noise table of the run, checked against the master's. */
function buildTable(info: RunInfo, shared = false): Float32Array {
  const buffer = shared ? new SharedArrayBuffer(4 * info.noiseTableSize) : undefined;
  const noiseTable = createNoiseTable(info.settings.seed, info.noiseTableSize, buffer);
  const why = tableRefusal(info, tableHash(noiseTable));
  return why ? refuse(why) : noiseTable;
}

async function buildModel(
  client: Redis,
  info: RunInfo,
  subject: ModelSubject,
  o: WorkerOptions,
): Promise<Omit<Build, 'info'>> {
  const source = decodeModelSource(await client.getBuffer(KEYS.model));
  if (!source) return refuse(`the master published no readable model at ${KEYS.model}`);
  const fingerprint = modelFingerprint(source);
  if (fingerprint !== subject.modelFingerprint) {
    const now = parseRunInfo(await client.get(KEYS.run));
    if (now && now.runId !== info.runId) throw new NewRun(); // the master published another run meanwhile
  }
  const net = openModel(source, { threads: o.threads ?? 1 });
  try {
    const whyModel = modelRefusal(info, subject, { fingerprint, params: net.size });
    if (whyModel) refuse(whyModel);
    const name = o.dataset ?? subject.dataset;
    const data = await loadDataset(name, {
      ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }),
      onProgress: o.log,
    }).catch((e: unknown) =>
      refuse(
        `cannot load the master's dataset ${name} here (${(e as Error).message}); give its directory with --dataset DIR or --data-dir DIR`,
      ),
    );
    const whyData = dataRefusal(subject, {
      trainCount: data.train.count,
      dataFingerprint: dataFingerprint(data.train),
    });
    if (whyData) refuse(whyData);
    const threads = Math.max(1, o.workers ?? 1);
    const noiseTable = buildTable(info, threads > 1);
    o.log(
      `worker: run ${info.runId}: ${subject.model} (${net.size.toLocaleString('en-US')} parameters), ${data.label}, seed ${info.settings.seed}${threads > 1 ? `, ${threads} threads` : ''}`,
    );
    if (threads > 1) {
      await net.close(); // only its size was needed: the threads open their own sessions
      const pool = new ThreadsEvaluator(
        source,
        info.params,
        noiseTable,
        { train: sharedSplit(data.train), settings: info.settings },
        { workers: threads, copiesPerRun: subject.copiesPerRun },
      );
      return {
        evaluate: async (thetaP, sigma, tasks) => ({ rewardsN: await pool.evaluate(thetaP, sigma, tasks) }),
        parallel: threads,
        extraBytes: 0,
        noiseTable,
        close: () => pool.close(),
      };
    }
    const taskData = { train: data.train, settings: info.settings };
    return {
      evaluate: async (thetaP, sigma, tasks) => ({
        rewardsN: await evaluateTasks(net, noiseTable, taskData, thetaP, sigma, tasks, subject.copiesPerRun),
      }),
      parallel: 1,
      extraBytes: 0,
      noiseTable,
      close: () => net.close(),
    };
  } catch (e) {
    await net.close();
    throw e;
  }
}

async function buildObjective(
  info: RunInfo,
  subject: ObjectiveSubject,
  path: string,
  log: (msg: string) => void,
): Promise<Omit<Build, 'info'>> {
  const module = await loadObjective(path);
  const why = objectiveRefusal(subject, module);
  if (why) refuse(why);
  if (info.params < 1) refuse('the master has no parameters');
  const noiseTable = buildTable(info);
  log(
    `worker: run ${info.runId}: objective ${describeObjective(module)}, ${subject.direction}, ${info.params.toLocaleString('en-US')} parameters, seed ${info.settings.seed}`,
  );
  const objective = { fn: module.fn, direction: subject.direction };
  const report = new FailureReport(log);
  return {
    evaluate: async (thetaP, sigma, tasks) => {
      let count = 0;
      let first = '';
      const rewardsN = await evaluateObjectiveTasks(
        objective,
        noiseTable,
        info.settings,
        thetaP,
        sigma,
        tasks,
        (m) => {
          if (count++ === 0) first = m;
          report.add(m);
        },
      );
      return count > 0 ? { rewardsN, failures: { count, first } } : { rewardsN };
    },
    parallel: 1,
    extraBytes: 0,
    noiseTable,
    close: async () => report.close(),
  };
}

/**
 * A rollout run: the task's environments (MuJoCo loaded first) and policy, run by the routine every
 * evaluator shares (RolloutRunner) with the round's filter; each chunk's records go back with its rewards.
 */
async function buildRollout(
  info: RunInfo,
  subject: RolloutSubject,
  log: (msg: string) => void,
): Promise<Omit<Build, 'info'>> {
  // a built-in task's name (MuJoCo loaded) before the policy's size is checked on its environment
  if (TASK_NAMES.includes(subject.rollout.task)) await prepareTask(subject.rollout.task);
  const why = rolloutRefusal(info, subject);
  if (why) refuse(why);
  const noiseTable = buildTable(info);
  const runner = new RolloutRunner(subject.rollout, info.settings, info.params);
  const O = subject.observationSize;
  const R = runner.recordSize;
  log(
    `worker: run ${info.runId}: --task ${subject.rollout.task}, ${info.params.toLocaleString('en-US')} policy parameters, seed ${info.settings.seed}`,
  );
  const report = new FailureReport(log);
  let recordsNR = new Float64Array(0); // rows by task id, grown to the largest id seen
  return {
    evaluate: async (thetaP, sigma, tasks, extra) => {
      if (extra?.length !== 16 * O) throw new Error('no observation filter after θ');
      const rows = 1 + Math.max(...tasks.map((t) => t.id));
      if (recordsNR.length < rows * R) recordsNR = new Float64Array(rows * R);
      let count = 0;
      let first = '';
      const rewardsN = runner.run(
        noiseTable,
        thetaP,
        sigma,
        tasks,
        decodeFilter(extra, O),
        recordsNR,
        (m, n) => {
          if (count === 0) first = m;
          count += n;
          report.add(m, n);
        },
      );
      const recordsKR = new Float64Array(tasks.length * R);
      for (const [k, t] of tasks.entries())
        recordsKR.set(recordsNR.subarray(t.id * R, (t.id + 1) * R), k * R);
      return count > 0 ? { rewardsN, recordsKR, failures: { count, first } } : { rewardsN, recordsKR };
    },
    parallel: 1,
    extraBytes: 16 * O,
    noiseTable,
    close: async () => {
      runner.close();
      report.close();
    },
  };
}

/** Thrown when the run changed while a worker was building for it: build again for the new one. */
export class NewRun extends Error {}

export async function build(client: Redis, info: RunInfo, o: WorkerOptions): Promise<Build> {
  const refused = versionRefusal(info) ?? subjectRefusal(info.subject, o.objective);
  if (refused) refuse(refused);
  const s = info.subject;
  if (s.kind === 'rollout' && info.replay) refuse('replay is not available for --task runs');
  const built =
    s.kind === 'model'
      ? await buildModel(client, info, s, o)
      : s.kind === 'rollout'
        ? await buildRollout(info, s, o.log)
        : await buildObjective(info, s, o.objective!, o.log);
  if (!info.replay) return { info, ...built };
  const replica = newReplica();
  return {
    info,
    ...built,
    replica,
    close: async () => {
      await built.close();
      await replica.aggregator?.close();
      const { rebuilt, fetched, tells, tellMs } = replica.counts;
      if (tells + fetched > 0)
        o.log(
          `worker: replay: θ rebuilt by tell() for ${rebuilt} round(s) (${tells ? (tellMs / tells / 1000).toFixed(3) : '-'} s per tell()), fetched ${fetched} time(s)`,
        );
    },
  };
}

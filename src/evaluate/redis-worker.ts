// An esgrad worker for a Redis master: builds what the run publishes (the model from esgrad:model and
// the data by fingerprint, or the user's objective module by hash) and the noise table, takes leased
// chunks of tasks, evaluates them with the routine every evaluator shares, and sends the rewards.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { modelFingerprint, openModel } from '../backend/source.ts';
import { dataFingerprint, loadDataset } from '../data/index.ts';
import type { EsTask } from '../es/task.ts';
import { createNoiseTable } from '../rng/noise-table.ts';
import { UsageError, type Vec } from '../types.ts';
import { VERSION } from '../version.ts';
import { evaluateTasks } from './local.ts';
import { describeObjective, FailureReport, loadObjective } from './objective.ts';
import { evaluateObjectiveTasks } from './objective-local.ts';
import { closeRedis, connectRedis, type RedisTarget } from './redis-connect.ts';
import {
  CHUNK_FIELD,
  decodeModelSource,
  decodeTheta,
  encodeReward,
  fromTuple,
  GROUP,
  HEARTBEAT_MS,
  KEYS,
  type ModelSubject,
  type ObjectiveSubject,
  parseChunk,
  RESULT_FIELD,
  type ResultMessage,
  type RunInfo,
} from './redis-protocol.ts';
import {
  dataRefusal,
  modelRefusal,
  objectiveRefusal,
  parseRunInfo,
  subjectRefusal,
  tableHash,
  tableRefusal,
  versionRefusal,
} from './redis-run.ts';
import type { ChunkFailures } from './threads-protocol.ts';

export interface WorkerOptions {
  readonly target: RedisTarget;
  /** Where this machine keeps a registered dataset's files (else ESGRAD_DATA_DIR, else the download cache). */
  readonly dataDir?: string;
  /** The dataset to load instead of the master's by name (a user's directory); checked by fingerprint. */
  readonly dataset?: string;
  /** The objective module to serve objective runs with (checked against the master's sha256). */
  readonly objective?: string;
  /** ONNX Runtime intra-op threads (default 1: start one worker per core). */
  readonly threads?: number;
  readonly name?: string;
  readonly log: (msg: string) => void;
  /** Stop after the current chunk. */
  readonly signal?: AbortSignal;
}

export interface WorkerStats {
  chunks: number;
  stale: number;
  malformed: number;
}

type EvaluateChunk = (
  thetaP: Vec,
  sigma: number,
  tasks: readonly EsTask[],
) => Promise<{ rewardsN: Float64Array; failures?: ChunkFailures }>;

/** What a worker builds for a run: the evaluation of a chunk and what to close. */
interface Build {
  info: RunInfo;
  readonly evaluate: EvaluateChunk;
  readonly close: () => Promise<void>;
  theta?: { runId: string; round: number; thetaP: Float32Array };
  /** The last round whose θ this worker could not read (logged once). */
  missedRound?: string;
  /** The evaluation in progress, if any. */
  busy?: Promise<unknown>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Runs that differ only in id and lease are served by the same build. */
const buildKey = (i: RunInfo): string => JSON.stringify({ ...i, runId: '', leaseMs: 0 });
const refuse = (why: string): never => {
  throw new UsageError(`worker refused: ${why}`);
};

/** The noise table of the run, checked against the master's. */
function buildTable(info: RunInfo): Float32Array {
  const noiseTable = createNoiseTable(info.settings.seed, info.noiseTableSize);
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
    const noiseTable = buildTable(info);
    o.log(
      `worker: run ${info.runId}: ${subject.model} (${net.size.toLocaleString('en-US')} parameters), ${data.label}, seed ${info.settings.seed}`,
    );
    const taskData = { train: data.train, settings: info.settings };
    return {
      evaluate: async (thetaP, sigma, tasks) => ({
        rewardsN: await evaluateTasks(net, noiseTable, taskData, thetaP, sigma, tasks, subject.copiesPerRun),
      }),
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
    close: async () => report.close(),
  };
}

/** Thrown when the run changed while a worker was building for it: build again for the new one. */
class NewRun extends Error {}

async function build(client: Redis, info: RunInfo, o: WorkerOptions): Promise<Build> {
  const refused = versionRefusal(info) ?? subjectRefusal(info.subject, o.objective);
  if (refused) refuse(refused);
  const s = info.subject;
  const built =
    s.kind === 'model'
      ? await buildModel(client, info, s, o)
      : await buildObjective(info, s, o.objective!, o.log);
  return { info, ...built };
}

type Entry = [id: string, fields: string[]];
/** A task entry taken, and whether it came from an expired lease. */
interface Taken {
  readonly entry: Entry;
  readonly reclaimed: boolean;
}

/** An expired lease (XAUTOCLAIM: a dead or frozen worker's chunk), else a new entry (XREADGROUP, blocking ≤ 1 s). */
async function take(client: Redis, name: string, leaseMs: number): Promise<Taken | undefined> {
  const claimed = (await client.xautoclaim(KEYS.tasks, GROUP, name, leaseMs, '0-0', 'COUNT', 1)) as [
    string,
    Entry[],
    string[],
  ];
  const reclaimed = claimed[1]?.find((e) => Array.isArray(e[1]));
  if (reclaimed) return { entry: reclaimed, reclaimed: true };
  const reply = (await client.xreadgroup(
    'GROUP',
    GROUP,
    name,
    'COUNT',
    1,
    'BLOCK',
    1000,
    'STREAMS',
    KEYS.tasks,
    '>',
  )) as [string, Entry[]][] | null;
  const entry = reply?.[0]?.[1]?.[0];
  return entry ? { entry, reclaimed: false } : undefined;
}

/** Rewrites this worker's WorkerInfo every HEARTBEAT_MS (it comes back after a FLUSHDB); returns a stop function. */
function heartbeat(client: Redis, name: string): () => void {
  const since = new Date().toISOString();
  const beat = (): void => {
    if (client.status !== 'ready') return; // no queue of beats while Redis is away
    const info = {
      version: VERSION,
      host: hostname(),
      pid: process.pid,
      since,
      lastSeen: new Date().toISOString(),
    };
    void client.hset(KEYS.workers, name, JSON.stringify(info)).catch(() => {});
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Serves masters until the signal aborts; throws UsageError when refused (other version, data or table). */
export async function runWorker(o: WorkerOptions): Promise<WorkerStats> {
  const name = o.name ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const client = await connectRedis(o.target, {
    name: `esgrad-worker-${name}`.replace(/\s/g, '_'),
    log: o.log,
  });
  const stats: WorkerStats = { chunks: 0, stale: 0, malformed: 0 };
  let b: Build | undefined;
  let waiting = false;
  // Stopped while Redis is unreachable: commands would wait for it (up to the outage limit, and
  // ioredis does not fail them on disconnect while reconnecting): stop waiting for them instead.
  let cutOff = (): void => {};
  const stoppedWhileDown = new Promise<void>((resolve) => {
    cutOff = resolve;
  });
  const giveUp = (): void => {
    if (o.signal?.aborted && client.status !== 'ready') cutOff();
  };
  o.signal?.addEventListener('abort', giveUp);
  client.on('close', giveUp);
  const stopBeating = heartbeat(client, name);
  const serveRuns = async (): Promise<void> => {
    while (!o.signal?.aborted) {
      const info = parseRunInfo(await client.get(KEYS.run));
      if (!info) {
        if (!waiting) o.log(`worker ${name}: waiting for a master on ${o.target.label}`);
        waiting = true;
        await sleep(500);
        continue;
      }
      waiting = false;
      if (!b || buildKey(b.info) !== buildKey(info)) {
        await b?.close();
        b = undefined;
        try {
          b = await build(client, info, o);
        } catch (e) {
          if (e instanceof NewRun) continue;
          throw e;
        }
      }
      if (b.info.runId !== info.runId) o.log(`worker ${name}: serving run ${info.runId}`);
      b.info = info;
      let taken: Taken | undefined;
      try {
        taken = await take(client, name, info.leaseMs);
      } catch (e) {
        if (!/NOGROUP|no longer exists|UNBLOCKED/i.test(String((e as Error).message))) throw e;
        await sleep(200); // the master is (re)creating the stream
        continue;
      }
      if (taken) await serve(client, name, b, taken, stats, o.log);
    }
  };
  try {
    o.log(`worker ${name}: connected to ${o.target.label}`);
    const serving = serveRuns();
    serving.catch(() => {}); // abandoned when stopped while Redis is unreachable
    await Promise.race([serving, stoppedWhileDown]);
  } finally {
    stopBeating();
    o.signal?.removeEventListener('abort', giveUp);
    try {
      if (client.status === 'ready') await client.hdel(KEYS.workers, name);
    } catch {
      // Redis is gone
    }
    await closeRedis(client);
    const last = b as Build | undefined;
    await last?.busy?.catch(() => {}); // an evaluation still running when Redis went away
    await last?.close();
  }
  return stats;
}

async function serve(
  client: Redis,
  name: string,
  b: Build,
  { entry: [id, fields], reclaimed }: Taken,
  stats: WorkerStats,
  log: (msg: string) => void,
): Promise<void> {
  const ack = (): Promise<number> => client.xack(KEYS.tasks, GROUP, id);
  const chunk = parseChunk(fields[fields.indexOf(CHUNK_FIELD) + 1]);
  if ('bad' in chunk) {
    stats.malformed++;
    log(`worker ${name}: dropped a malformed task entry ${id}: ${chunk.bad}`);
    return void (await ack());
  }
  if (chunk.run !== b.info.runId) {
    stats.stale++; // another run's leftover
    return void (await ack());
  }
  const current = (t: Build['theta']): boolean => t?.runId === chunk.run && t.round === chunk.round;
  if (!current(b.theta)) {
    const theta = decodeTheta(await client.getBuffer(KEYS.theta), b.info.runId, b.info.params);
    if (theta) b.theta = { ...theta, runId: b.info.runId };
  }
  if (!current(b.theta)) {
    if (b.theta?.runId === chunk.run && b.theta.round > chunk.round) {
      stats.stale++; // the master has moved on
      return void (await ack());
    }
    // θ of the chunk's round is gone or replaced (FLUSHDB, eviction, a stray SET): do not acknowledge
    // the chunk unanswered; its lease expires and it is evaluated once the master has republished θ.
    const key = `${chunk.run}/${chunk.round}`;
    if (b.missedRound !== key)
      log(
        `worker ${name}: cannot read θ of round ${chunk.round} at ${KEYS.theta}; leaving chunk ${chunk.chunk} to be re-issued`,
      );
    b.missedRound = key;
    return;
  }
  const theta = b.theta!;
  if (reclaimed)
    log(`worker ${name}: took over chunk ${chunk.chunk} of round ${chunk.round} from an expired lease`);
  const tasks = chunk.tasks.map(fromTuple);
  const renew = setInterval(
    () => void client.xclaim(KEYS.tasks, GROUP, name, 0, id, 'JUSTID').catch(() => {}),
    Math.max(50, b.info.leaseMs / 3),
  );
  let evaluated: Awaited<ReturnType<EvaluateChunk>>;
  try {
    const evaluation = b.evaluate(theta.thetaP, chunk.sigma, tasks);
    b.busy = evaluation;
    evaluated = await evaluation;
  } catch (e) {
    stats.malformed++;
    log(`worker ${name}: dropped task entry ${id}, which cannot be evaluated: ${(e as Error).message}`);
    return void (await ack());
  } finally {
    clearInterval(renew);
  }
  const result: ResultMessage = {
    run: chunk.run,
    v: VERSION,
    worker: name,
    round: chunk.round,
    chunk: chunk.chunk,
    generation: tasks[0]!.generation,
    ids: tasks.map((t) => t.id),
    rewards: Array.from(evaluated.rewardsN, encodeReward),
    ...(evaluated.failures ? { failures: evaluated.failures } : {}),
    ...(reclaimed ? { reclaimed: true } : {}),
  };
  // The result before the acknowledgement: a chunk acknowledged is answered.
  const replies = await client
    .pipeline()
    .xadd(KEYS.results, '*', RESULT_FIELD, JSON.stringify(result))
    .rpush(KEYS.notify, '1')
    .xack(KEYS.tasks, GROUP, id)
    .exec();
  const failed = replies?.find(([err]) => err)?.[0];
  if (failed) throw failed;
  stats.chunks++;
}

// An esgrad worker for a Redis master: rebuilds the run's noise table and data locally from the
// published run info, takes leased chunks of tasks, evaluates them with evaluateTasks, sends rewards.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { Network } from '../backend/network.ts';
import { loadDataset } from '../data/index.ts';
import { getArchitecture } from '../model/architecture.ts';
import { createNoiseTable } from '../rng/noise-table.ts';
import { UsageError } from '../types.ts';
import { VERSION } from '../version.ts';
import type { TaskData } from './evaluator.ts';
import { evaluateTasks } from './local.ts';
import { closeRedis, connectRedis, type RedisTarget } from './redis-connect.ts';
import {
  CHUNK_FIELD,
  decodeTheta,
  encodeReward,
  fromTuple,
  GROUP,
  KEYS,
  parseChunk,
  RESULT_FIELD,
  type ResultMessage,
  type RunInfo,
} from './redis-protocol.ts';
import { buildRefusal, dataHash, parseRunInfo, tableHash, versionRefusal } from './redis-run.ts';

export interface WorkerOptions {
  readonly target: RedisTarget;
  /** Where this machine keeps the dataset's IDX files (else ESGRAD_DATA_DIR, else the download cache). */
  readonly dataDir?: string;
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

/** What a worker builds for a run: everything evaluateTasks needs. */
interface Build {
  info: RunInfo;
  readonly net: Network;
  readonly noiseTable: Float32Array;
  readonly data: TaskData;
  theta?: { round: number; thetaP: Float32Array };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sameBuild = (a: RunInfo, b: RunInfo): boolean =>
  (
    [
      'model',
      'dataset',
      'dataHash',
      'seed',
      'noiseTableSize',
      'tableHash',
      'batchSize',
      'subsetSize',
      'bucketSize',
    ] as const
  ).every((k) => a[k] === b[k]);

async function build(info: RunInfo, o: WorkerOptions): Promise<Build> {
  const refused = versionRefusal(info);
  if (refused) throw new UsageError(`worker refused: ${refused}`);
  const net = new Network(getArchitecture(info.model), { threads: o.threads ?? 1 });
  const data = await loadDataset(info.dataset, {
    ...(o.dataDir === undefined ? {} : { dataDir: o.dataDir }),
    onProgress: o.log,
  });
  const noiseTable = createNoiseTable(info.seed, info.noiseTableSize);
  const why = buildRefusal(info, {
    params: net.size,
    trainCount: data.train.count,
    dataHash: dataHash(data.train),
    tableHash: tableHash(noiseTable),
  });
  if (why) {
    await net.close();
    throw new UsageError(`worker refused: ${why}`);
  }
  o.log(
    `worker: run ${info.runId}: ${info.model} (${net.size.toLocaleString('en-US')} parameters), ${data.label}, seed ${info.seed}`,
  );
  return {
    info,
    net,
    noiseTable,
    data: {
      train: data.train,
      seed: info.seed,
      batchSize: info.batchSize,
      subsetSize: info.subsetSize,
      bucketSize: info.bucketSize,
    },
  };
}

type Entry = [id: string, fields: string[]];

/** An expired lease of a dead worker (XAUTOCLAIM), else a new entry (XREADGROUP, blocking ≤ 1 s). */
async function take(client: Redis, name: string, leaseMs: number): Promise<Entry | undefined> {
  const claimed = (await client.xautoclaim(KEYS.tasks, GROUP, name, leaseMs, '0-0', 'COUNT', 1)) as [
    string,
    Entry[],
    string[],
  ];
  const reclaimed = claimed[1]?.find((e) => Array.isArray(e[1]));
  if (reclaimed) return reclaimed;
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
  return reply?.[0]?.[1]?.[0];
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
  try {
    await client.hset(
      KEYS.workers,
      name,
      JSON.stringify({
        version: VERSION,
        host: hostname(),
        pid: process.pid,
        since: new Date().toISOString(),
      }),
    );
    o.log(`worker ${name}: connected to ${o.target.label}`);
    while (!o.signal?.aborted) {
      const info = parseRunInfo(await client.get(KEYS.run));
      if (!info) {
        if (!waiting) o.log(`worker ${name}: waiting for a master on ${o.target.label}`);
        waiting = true;
        await sleep(500);
        continue;
      }
      waiting = false;
      if (!b || !sameBuild(b.info, info)) {
        await b?.net.close();
        b = undefined;
        b = await build(info, o);
      }
      if (b.info.runId !== info.runId) o.log(`worker ${name}: serving run ${info.runId}`);
      b.info = info;
      let entry: Entry | undefined;
      try {
        entry = await take(client, name, info.leaseMs);
      } catch (e) {
        if (!/NOGROUP|no longer exists|UNBLOCKED/i.test(String((e as Error).message))) throw e;
        await sleep(200); // the master is (re)creating the stream
        continue;
      }
      if (entry) await serve(client, name, b, entry, stats, o.log);
    }
  } finally {
    try {
      if (client.status === 'ready') await client.hdel(KEYS.workers, name);
    } catch {
      // Redis is gone
    }
    await closeRedis(client);
    await b?.net.close();
  }
  return stats;
}

async function serve(
  client: Redis,
  name: string,
  b: Build,
  [id, fields]: Entry,
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
  if (b.theta?.round !== chunk.round) {
    const theta = decodeTheta(await client.getBuffer(KEYS.theta), b.info.runId, b.info.params);
    if (theta) b.theta = theta;
  }
  if (!b.theta || b.theta.round !== chunk.round) {
    stats.stale++; // the master has moved on
    return void (await ack());
  }
  const tasks = chunk.tasks.map(fromTuple);
  const renew = setInterval(
    () => void client.xclaim(KEYS.tasks, GROUP, name, 0, id, 'JUSTID').catch(() => {}),
    Math.max(50, b.info.leaseMs / 3),
  );
  let rewardsN: Float64Array;
  try {
    rewardsN = await evaluateTasks(
      b.net,
      b.noiseTable,
      b.data,
      b.theta.thetaP,
      chunk.sigma,
      tasks,
      b.info.copiesPerRun,
    );
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
    rewards: Array.from(rewardsN, encodeReward),
  };
  await client.xadd(KEYS.results, '*', RESULT_FIELD, JSON.stringify(result));
  await ack();
  stats.chunks++;
}

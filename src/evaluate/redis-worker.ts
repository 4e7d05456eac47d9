// An esgrad worker for a Redis master: builds what the run publishes (redis-worker-build.ts), takes
// leased chunks of tasks (up to one per evaluating thread), evaluates them with the routine every
// evaluator shares, and sends the rewards; a heartbeat keeps its registration.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { VERSION } from '../version.ts';
import { closeRedis, connectRedis } from './redis-connect.ts';
import {
  CHUNK_FIELD,
  type ChunkMessage,
  decodeTheta,
  encodeReward,
  fromTuple,
  GROUP,
  HEARTBEAT_MS,
  KEYS,
  parseChunk,
  RESULT_FIELD,
  type ResultMessage,
} from './redis-protocol.ts';
import { replayTheta } from './redis-replica.ts';
import { parseRunInfo } from './redis-run.ts';
import { type Build, build, buildKey, NewRun, type WorkerOptions } from './redis-worker-build.ts';

export type { WorkerOptions } from './redis-worker-build.ts';

export interface WorkerStats {
  chunks: number;
  stale: number;
  malformed: number;
}

type Entry = [id: string, fields: string[]];
/** A task entry taken, and whether it came from an expired lease. */
interface Taken {
  readonly entry: Entry;
  readonly reclaimed: boolean;
}

/**
 * Up to `count` entries: expired leases first (XAUTOCLAIM: a dead or frozen worker's chunks), then new
 * ones (XREADGROUP, blocking ≤ 1 s when there was nothing to take over).
 */
async function take(client: Redis, name: string, leaseMs: number, count: number): Promise<Taken[]> {
  const claimed = (await client.xautoclaim(KEYS.tasks, GROUP, name, leaseMs, '0-0', 'COUNT', count)) as [
    string,
    Entry[],
    string[],
  ];
  const taken: Taken[] = (claimed[1] ?? [])
    .filter((e) => Array.isArray(e[1]))
    .map((entry) => ({ entry, reclaimed: true }));
  if (taken.length >= count) return taken;
  const block = taken.length === 0 ? ['BLOCK', 1000] : [];
  const reply = (await client.xreadgroup(
    'GROUP',
    GROUP,
    name,
    'COUNT',
    count - taken.length,
    ...(block as ['BLOCK', number]),
    'STREAMS',
    KEYS.tasks,
    '>',
  )) as [string, Entry[]][] | null;
  for (const entry of reply?.[0]?.[1] ?? []) taken.push({ entry, reclaimed: false });
  return taken;
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
      let taken: Taken[];
      try {
        taken = await take(client, name, info.leaseMs, b.parallel);
      } catch (e) {
        if (!/NOGROUP|no longer exists|UNBLOCKED/i.test(String((e as Error).message))) throw e;
        await sleep(200); // the master is (re)creating the stream
        continue;
      }
      if (taken.length) await serve(client, name, b, taken, stats, o.log);
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

/**
 * Serves the chunks taken together: malformed and foreign ones are acknowledged and dropped; θ is read
 * once (for the newest round among them); chunks of an older round are stale, chunks whose round's θ
 * cannot be read are left leased (re-issued when the lease expires); the rest are evaluated at once
 * (one θ for all: the pool's threads share it), their leases renewed, and answered in one pipeline.
 */
async function serve(
  client: Redis,
  name: string,
  b: Build,
  taken: readonly Taken[],
  stats: WorkerStats,
  log: (msg: string) => void,
): Promise<void> {
  const ack = (id: string): Promise<number> => client.xack(KEYS.tasks, GROUP, id);
  const valid: { id: string; chunk: ChunkMessage; reclaimed: boolean }[] = [];
  for (const {
    entry: [id, fields],
    reclaimed,
  } of taken) {
    const chunk = parseChunk(fields[fields.indexOf(CHUNK_FIELD) + 1]);
    if ('bad' in chunk) {
      stats.malformed++;
      log(`worker ${name}: dropped a malformed task entry ${id}: ${chunk.bad}`);
      await ack(id);
    } else if (chunk.run !== b.info.runId) {
      stats.stale++; // another run's leftover
      await ack(id);
    } else valid.push({ id, chunk, reclaimed });
  }
  if (valid.length === 0) return;
  const round = Math.max(...valid.map((v) => v.chunk.round));
  const runId = b.info.runId;
  if (b.theta?.runId !== runId || b.theta.round !== round) {
    const theta = b.info.replay
      ? await replayTheta(client, b, name, log)
      : decodeTheta(await client.getBuffer(KEYS.theta), runId, b.info.params, b.extraBytes);
    if (theta) b.theta = { ...theta, runId };
  }
  const theta = b.theta?.runId === runId ? b.theta : undefined;
  const now = valid.filter((v) => v.chunk.round === theta?.round);
  for (const v of valid) {
    if (theta && v.chunk.round < theta.round) {
      stats.stale++; // the master has moved on
      await ack(v.id);
    } else if (v.chunk.round !== theta?.round) {
      // θ of the chunk's round is gone or replaced (FLUSHDB, eviction, a stray SET): do not acknowledge
      // the chunk unanswered; its lease expires and it is evaluated once the master has republished θ.
      const key = `${runId}/${v.chunk.round}`;
      if (b.missedRound !== key)
        log(
          `worker ${name}: cannot read θ of round ${v.chunk.round} at ${b.info.replay ? KEYS.round : KEYS.theta}; leaving chunk ${v.chunk.chunk} to be re-issued`,
        );
      b.missedRound = key;
    }
  }
  if (!theta || now.length === 0) return;
  for (const v of now)
    if (v.reclaimed)
      log(`worker ${name}: took over chunk ${v.chunk.chunk} of round ${v.chunk.round} from an expired lease`);
  const ids = now.map((v) => v.id);
  const renew = setInterval(
    () => void client.xclaim(KEYS.tasks, GROUP, name, 0, ...ids, 'JUSTID').catch(() => {}),
    Math.max(50, b.info.leaseMs / 3),
  );
  const p = client.pipeline();
  try {
    const evaluation = Promise.all(
      now.map(async ({ id, chunk, reclaimed }) => {
        const tasks = chunk.tasks.map(fromTuple);
        try {
          const evaluated = await b.evaluate(theta.thetaP, chunk.sigma, tasks, theta.extra);
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
            ...(evaluated.recordsKR ? { records: Array.from(evaluated.recordsKR, encodeReward) } : {}),
            ...(reclaimed ? { reclaimed: true } : {}),
          };
          p.xadd(KEYS.results, '*', RESULT_FIELD, JSON.stringify(result)).rpush(KEYS.notify, '1');
          stats.chunks++;
        } catch (e) {
          stats.malformed++;
          log(`worker ${name}: dropped task entry ${id}, which cannot be evaluated: ${(e as Error).message}`);
        }
        p.xack(KEYS.tasks, GROUP, id); // after its result: a chunk acknowledged is answered
      }),
    );
    b.busy = evaluation;
    await evaluation;
  } finally {
    clearInterval(renew);
  }
  const failed = (await p.exec())?.find(([err]) => err)?.[0];
  if (failed) throw failed;
}

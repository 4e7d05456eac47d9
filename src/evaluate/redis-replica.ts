// A replay worker's own copy of the ES state (redis-replay.ts): each round it applies tell() to the
// published rewards as the master did, checks θ by its sha256, and fetches the full state only when it
// joins, misses a round or its θ differs (each said in a log line).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Aggregator } from '../aggregate/index.ts';
import { ask, type EsState, tell } from '../es/index.ts';
import { KEYS, type RunInfo } from './redis-protocol.ts';
import {
  decodeRound,
  decodeRoundHead,
  decodeState,
  HEADER_BYTES,
  ROUND_HEAD_BYTES,
  type RoundMessage,
  stateRound,
  thetaHash,
} from './redis-replay.ts';

/** What of a worker's build for a run the replica reads (redis-worker-build.ts's Build). */
interface Build {
  readonly info: RunInfo;
  /** The run's noise table, which tell() aggregates over. */
  readonly noiseTable: Float32Array;
  replica?: Replica;
}

/** What a replay worker keeps between rounds. */
export interface Replica {
  /** The ES state checked against the master's hash at `round` of run `runId`. */
  state?: EsState | undefined;
  round?: number;
  runId?: string;
  aggregator?: Aggregator;
  /** Counters: rounds rebuilt by tell() (checked), states fetched, tell() calls and their milliseconds. */
  readonly counts: { rebuilt: number; fetched: number; tells: number; tellMs: number };
}

export const newReplica = (): Replica => ({ counts: { rebuilt: 0, fetched: 0, tells: 0, tellMs: 0 } });

/**
 * θ of the round published at esgrad:round, rebuilt or fetched and checked by its hash; undefined when
 * there is no round message of this run or the state could not be had within half a lease.
 */
export async function replayTheta(
  client: Redis,
  b: Build,
  name: string,
  log: (msg: string) => void,
): Promise<{ round: number; thetaP: Float32Array } | undefined> {
  const runId = b.info.runId;
  const es = b.info.replay?.es;
  const rep = b.replica;
  if (!es || !rep) return undefined;
  const m = decodeRound(await client.getBuffer(KEYS.round), runId);
  if (!m) return undefined;
  if (rep.runId !== runId) {
    rep.state = undefined;
    rep.runId = runId;
  }
  const s = rep.state;
  if (s && rep.round === m.round && s.generation === m.generation)
    return { round: m.round, thetaP: s.thetaP };
  let why: string;
  if (s && m.prev && m.prev.generation === s.generation && m.generation === s.generation + 1) {
    const t0 = performance.now();
    let next: EsState | undefined;
    try {
      rep.aggregator ??= new Aggregator(b.noiseTable);
      next = tell(s, ask(s), m.prev.rewardsN, rep.aggregator).state; // throws on rewards of another N
    } catch (e) {
      log(`worker ${name}: cannot rebuild θ for round ${m.round}: ${(e as Error).message}`);
    }
    rep.counts.tellMs += performance.now() - t0;
    rep.counts.tells++;
    const hash = next ? thetaHash(next.thetaP as Float32Array) : 'none';
    if (next && hash === m.hash) {
      rep.state = next;
      rep.round = m.round;
      rep.counts.rebuilt++;
      return { round: m.round, thetaP: next.thetaP as Float32Array };
    }
    why = `θ rebuilt for round ${m.round} differs from the master's (sha256 ${hash.slice(0, 12)}… vs ${m.hash.slice(0, 12)}…)`;
  } else if (s) {
    why = `θ here is of generation ${s.generation}, round ${m.round} is of generation ${m.generation}${m.prev ? '' : ' and comes without the previous rewards'}`;
  } else why = `joining at round ${m.round}`;
  rep.state = undefined;
  log(`worker ${name}: ${why}; fetching θ and the optimizer state from the master`);
  const fetched = await fetchState(client, b, m, Math.max(1000, b.info.leaseMs / 2));
  if (!fetched) {
    log(`worker ${name}: no state of round ${m.round} came from the master`);
    return undefined;
  }
  rep.state = fetched;
  rep.round = m.round;
  rep.counts.fetched++;
  return { round: m.round, thetaP: fetched.thetaP as Float32Array };
}

/**
 * Asks the master for the round's state and waits up to `waitMs` for it; accepted when its θ has the
 * hash the round message shows now (a damaged message is republished by the master within seconds).
 */
async function fetchState(
  client: Redis,
  b: Build,
  m: RoundMessage,
  waitMs: number,
): Promise<EsState | undefined> {
  const runId = b.info.runId;
  const ask = (): Promise<unknown> =>
    client.pipeline().set(KEYS.want, `${runId}:${m.round}`).rpush(KEYS.notify, 'want').exec();
  await ask();
  const deadline = Date.now() + waitMs;
  let asked = Date.now();
  let got: { state: EsState; hash: string } | undefined;
  while (Date.now() < deadline) {
    const now = decodeRoundHead(await client.getrangeBuffer(KEYS.round, 0, ROUND_HEAD_BYTES - 1), runId);
    if (now?.round !== m.round) return undefined; // the master has moved on
    if (!got && stateRound(await client.getrangeBuffer(KEYS.state, 0, HEADER_BYTES - 1), runId) === m.round) {
      const s = decodeState(await client.getBuffer(KEYS.state), runId, b.info.params);
      if (s?.round === m.round) {
        const { thetaP, optState, generation } = s;
        got = { state: { config: b.info.replay!.es, thetaP, optState, generation }, hash: thetaHash(thetaP) };
      }
    }
    if (got && got.state.generation === now.generation && got.hash === now.hash) return got.state;
    if (!got && Date.now() - asked > 500) {
      asked = Date.now();
      await ask(); // the master was between rounds, or the state vanished
    }
    await sleep(got ? 100 : 20);
  }
  return undefined;
}

// The Redis evaluator (the master's side): publishes θ once per round, issues chunks of tasks on a
// Redis stream for workers anywhere, and collects their validated rewards (protocol: redis-protocol.ts).
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { EsConfig } from '../es/config.ts';
import type { EsTask } from '../es/task.ts';
import { UsageError, type Vec } from '../types.ts';
import { VERSION } from '../version.ts';
import type { EvaluationSettings, Evaluator } from './evaluator.ts';
import { FailureReport } from './objective.ts';
import { closeRedis, connectRedis, type RedisTarget, redactUrl } from './redis-connect.ts';
import { checkKeys, type KeyCheck } from './redis-health.ts';
import {
  CHUNK_FIELD,
  type ChunkMessage,
  encodeTheta,
  GROUP,
  type IssuedChunk,
  judgeResult,
  KEYS,
  MAX_MESSAGE_BYTES,
  PROTOCOL,
  READ_RESULTS,
  RESULT_FIELD,
  type ResultVerdict,
  type RunInfo,
  resultCap,
  THETA_HEADER_BYTES,
  toTuple,
  workerNameIn,
} from './redis-protocol.ts';
import { encodeRound, encodeState, type ReplayState, thetaHash } from './redis-replay.ts';
import { newRunId, type RedisWork, tableHash } from './redis-run.ts';
import {
  newTally,
  type WorkersFile,
  type WorkerTally,
  workerStatuses,
  writeWorkersFile,
} from './redis-status.ts';

/** The file in a run directory where the master records its workers (for the dashboard). */
export const WORKERS_FILE = 'workers.json';

/** Thrown by evaluate() when the signal stops a round: the round's results are discarded. */
export class RoundStopped extends Error {}

export interface RedisEvaluatorOptions {
  readonly target: RedisTarget;
  /**
   * Tasks per stream entry: for a model rounded up to a multiple of its copies per run K (default 2K);
   * for an objective default 1/64 of a generation.
   */
  readonly tasksPerChunk?: number;
  /** A chunk whose worker has not renewed its lease for this long goes to another worker (default 10 s). */
  readonly leaseMs?: number;
  /** Give up when Redis stays unreachable this long (default 5 minutes). */
  readonly outageMs?: number;
  /** Say so when no result arrives for this long (default 30 s). */
  readonly waitWarnMs?: number;
  /** Check this often during a round that the run's keys are still in Redis (default 2 s). */
  readonly checkEveryMs?: number;
  /** Stops a round at once (Ctrl-C, SIGTERM): evaluate() then throws RoundStopped. */
  readonly signal?: AbortSignal;
  /** The run directory: the master keeps WORKERS_FILE there (at most once a second, and at the end). */
  readonly runDir?: string;
  /** A rollout run (redis-rollout.ts): what travels besides θ and rewards. */
  readonly rollout?: RolloutHooks;
  readonly log?: (msg: string) => void;
}

/** What a rollout run adds to a round: bytes after θ (the observation filter), records with the rewards. */
export interface RolloutHooks {
  /** Published after θ in esgrad:theta, read when a round starts. */
  readonly thetaExtra: () => Uint8Array;
  /** Floats per task record; every result must carry one record per task (judgeResult checks them). */
  readonly recordSize: number;
  /** The records of an accepted chunk: task ids[k]'s record is recordsKR[k·recordSize ..]. */
  readonly onRecords: (ids: readonly number[], recordsKR: Float64Array) => void;
}

/** Counters over the evaluator's life; bytes are payload bytes the master wrote and read. */
export interface RedisStats {
  rounds: number;
  results: number;
  stale: number;
  malformed: number;
  refused: number;
  /** Of the malformed: results longer than the cap, dropped unread. */
  oversized: number;
  bytesOut: number;
  bytesIn: number;
}

interface Round {
  readonly round: number;
  readonly generation: number;
  readonly thetaP: Vec;
  /** Replay: the full state was published for this round. */
  statePublished?: boolean;
  readonly chunks: readonly (IssuedChunk & { readonly start: number; readonly message: string })[];
  readonly thetaBuf: Buffer;
  readonly doneC: Uint8Array;
  readonly rewardsN: Float64Array;
  readonly entryIds: string[];
  remaining: number;
}

export class RedisEvaluator implements Evaluator {
  readonly runId = newRunId();
  info: RunInfo;
  readonly stats: RedisStats = {
    rounds: 0,
    results: 0,
    stale: 0,
    malformed: 0,
    refused: 0,
    oversized: 0,
    bytesOut: 0,
    bytesIn: 0,
  };
  private cmd?: Redis | undefined;
  private reader?: Redis;
  private reconnected = false;
  /** What the last key check found in esgrad:workers. */
  private registered: Record<string, string> = {};
  private readonly tallies = new Map<string, WorkerTally>();
  private readonly oversizedWorkers = new Set<string>();
  private statusWrittenMs = 0;
  private readonly log: (msg: string) => void;
  private readonly refusedWorkers = new Set<string>();
  private readonly failures: FailureReport;
  /** Replay: the ES settings and the state of the round being evaluated (for workers that ask). */
  private replayOf?: { readonly state: () => ReplayState };
  /** Replay: the rewards of the last round, published with the next one. */
  private prev?: { readonly generation: number; readonly rewardsN: Float64Array };

  /** @param work what the run evaluates (redis-run.ts: modelWork, objectiveWork or rolloutWork) */
  constructor(
    noiseTable: Float32Array,
    settings: EvaluationSettings,
    private readonly work: RedisWork,
    private readonly o: RedisEvaluatorOptions,
  ) {
    this.log = o.log ?? (() => {});
    this.failures = new FailureReport(this.log);
    this.info = {
      protocol: PROTOCOL,
      version: VERSION,
      runId: this.runId,
      params: work.params,
      settings,
      noiseTableSize: noiseTable.length,
      tableHash: tableHash(noiseTable),
      leaseMs: o.leaseMs ?? 10_000,
      subject: work.subject,
    };
  }

  /**
   * Makes this a replay run (before connect): workers rebuild θ from each round's published rewards
   * with tell() and these settings; `state` gives the ES state of the round being evaluated (θ, the
   * optimizer's state, the generation), sent only to a worker that asks (late, or its θ differs).
   */
  replay(es: EsConfig, state: () => ReplayState): void {
    if (this.cmd) throw new Error('redis: replay() must come before connect()');
    this.info = { ...this.info, replay: { es } };
    this.replayOf = { state };
  }

  /** Tasks per chunk of a round of n: for a model, multiples of K so every worker groups offspring into session.runs as the local evaluator does. */
  private chunkSize(n: number): number {
    const s = this.work.subject;
    if (s.kind === 'model') {
      const k = s.copiesPerRun;
      return Math.ceil((this.o.tasksPerChunk ?? 2 * k) / k) * k;
    }
    const perChunk = this.o.tasksPerChunk ?? Math.max(1, Math.ceil(n / 64));
    const R = this.o.rollout?.recordSize;
    // a chunk's records must fit in one result message
    return R === undefined
      ? perChunk
      : Math.min(perChunk, Math.floor((MAX_MESSAGE_BYTES - 4096) / (48 * (1 + R))));
  }

  /** Connects (one clear UsageError line when Redis is unreachable) and publishes a fresh run. */
  async connect(): Promise<void> {
    if (this.cmd) return;
    const c = {
      log: this.log,
      onReconnect: () => (this.reconnected = true),
      ...(this.o.outageMs ? { outageMs: this.o.outageMs } : {}),
    };
    this.cmd = await connectRedis(this.o.target, { ...c, name: 'esgrad-master' });
    this.reader = await connectRedis(this.o.target, { ...c, name: 'esgrad-master-reader' });
    await this.cmd.del(KEYS.tasks, KEYS.results, KEYS.theta, KEYS.notify, KEYS.round, KEYS.state, KEYS.want);
    await this.publishRun();
    this.log(
      `redis: run ${this.runId} on ${this.o.target.label}; start workers on any machine with: esgrad worker --redis ${this.o.target.label}`,
    );
  }

  /** The model, run info and consumer group (idempotent: also after Redis came back empty). */
  private async publishRun(): Promise<void> {
    if (this.work.modelBlob) await this.cmd!.set(KEYS.model, this.work.modelBlob);
    else await this.cmd!.del(KEYS.model);
    await this.cmd!.set(KEYS.run, JSON.stringify(this.info));
    try {
      await this.cmd!.xgroup('CREATE', KEYS.tasks, GROUP, '0', 'MKSTREAM');
    } catch (e) {
      const message = String((e as Error).message);
      if (/WRONGTYPE/.test(message)) {
        this.log(`redis: ${KEYS.tasks} held another kind of value (another client?); replaced it`);
        await this.cmd!.del(KEYS.tasks);
        await this.cmd!.xgroup('CREATE', KEYS.tasks, GROUP, '0', 'MKSTREAM');
      } else if (!/BUSYGROUP/.test(message)) throw e;
    }
  }

  /** θ and the given chunks of the current round onto Redis. */
  private async issue(r: Round, chunkIndices: readonly number[], withTheta: boolean): Promise<void> {
    const p = this.cmd!.pipeline();
    if (withTheta) p.set(this.replayOf ? KEYS.round : KEYS.theta, r.thetaBuf);
    for (const c of chunkIndices) p.xadd(KEYS.tasks, '*', CHUNK_FIELD, r.chunks[c]!.message);
    const replies = (await p.exec()) ?? [];
    for (const [err, id] of replies) {
      if (err) throw err;
      if (typeof id === 'string' && id.includes('-')) r.entryIds.push(id);
    }
    this.stats.bytesOut +=
      (withTheta ? r.thetaBuf.length : 0) + chunkIndices.reduce((s, c) => s + r.chunks[c]!.message.length, 0);
  }

  /** After a reconnect Redis may have lost everything: run, group, θ and the unanswered chunks again. */
  private async reissue(r: Round): Promise<void> {
    this.reconnected = false;
    await this.publishRun();
    const undone = r.chunks.map((_, c) => c).filter((c) => !r.doneC[c]);
    await this.issue(r, undone, true);
    this.log(`redis: re-issued θ and ${undone.length} unanswered chunks of round ${r.round}`);
  }

  /**
   * Keys can vanish without a lost connection (FLUSHDB, eviction under maxmemory, a stray DEL or SET):
   * republishes what is gone. `wasIdle`: the previous check found no chunk waiting or leased and no
   * result came since; unanswered chunks are then lost (acknowledged without a result) and re-issued.
   */
  private async checkRound(r: Round, wasIdle: boolean): Promise<KeyCheck> {
    const k = await checkKeys(this.cmd!, {
      runId: this.runId,
      withModel: this.work.modelBlob !== undefined,
      // a replay round's message is small (8 bytes per task): checked whole, a damaged hash or reward is republished
      ...(this.replayOf
        ? { thetaHeader: r.thetaBuf, thetaKey: KEYS.round }
        : { thetaHeader: r.thetaBuf.subarray(0, THETA_HEADER_BYTES) }),
      entries: r.entryIds.length,
    });
    this.registered = k.workers;
    const gone = [
      ...(k.run ? [] : [KEYS.run]),
      ...(k.model ? [] : [KEYS.model]),
      ...(k.theta ? [] : [this.replayOf ? KEYS.round : KEYS.theta]),
      ...(k.tasks ? [] : [KEYS.tasks]),
    ];
    const lost = k.tasks && k.idle && wasIdle;
    if (gone.length === 0 && !lost) return k;
    if (!k.run || !k.model || !k.tasks) await this.publishRun();
    const undone = !k.tasks || lost ? r.chunks.map((_, c) => c).filter((c) => !r.doneC[c]) : [];
    await this.issue(r, undone, !k.theta || !k.tasks);
    this.log(
      gone.length
        ? `redis: round ${r.round}: ${gone.join(', ')} vanished or changed without a lost connection (FLUSHDB, eviction under maxmemory, or another client); republished ${!k.theta || !k.tasks ? 'θ and ' : ''}${undone.length} unanswered chunks`
        : `redis: round ${r.round}: ${undone.length} unanswered chunks were neither waiting nor leased (acknowledged without a result, or results evicted); re-issued them`,
    );
    return { ...k, idle: false };
  }

  /** Rejects with RoundStopped when the signal fires first. */
  private untilStopped<T>(p: Promise<T>, round: number): Promise<T> {
    const signal = this.o.signal;
    if (!signal) return p;
    const stopped = (): RoundStopped =>
      new RoundStopped(`redis: round ${round} stopped; its results are discarded`);
    if (signal.aborted) return Promise.reject(stopped());
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(stopped());
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async evaluate(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array> {
    try {
      return await this.evaluateRound(thetaP, sigma, tasks, onProgress);
    } catch (e) {
      if (e instanceof RoundStopped) this.log(e.message);
      if (e instanceof UsageError || e instanceof RoundStopped) throw e;
      throw new Error(
        `redis evaluator (${this.o.target.label}): ${redactUrl(String((e as Error)?.message ?? e))}`,
      );
    }
  }

  private async evaluateRound(
    thetaP: Vec,
    sigma: number,
    tasks: readonly EsTask[],
    onProgress?: (done: number) => void,
  ): Promise<Float64Array> {
    if (thetaP.length !== this.info.params)
      throw new Error(`θ has ${thetaP.length} values, the model needs ${this.info.params}`);
    await this.connect();
    const round = ++this.stats.rounds;
    const chunks = [];
    const perChunk = this.chunkSize(tasks.length);
    for (let start = 0, chunk = 0; start < tasks.length; start += perChunk, chunk++) {
      const part = tasks.slice(start, start + perChunk);
      const msg: ChunkMessage = { run: this.runId, round, chunk, sigma, tasks: part.map(toTuple) };
      chunks.push({
        start,
        ids: part.map((t) => t.id),
        generation: part[0]!.generation,
        message: JSON.stringify(msg),
      });
    }
    const generation = tasks[0]?.generation ?? 0;
    const prev = this.prev?.generation === generation - 1 ? { prev: this.prev } : {};
    const r: Round = {
      round,
      generation,
      thetaP,
      chunks,
      thetaBuf: this.replayOf
        ? encodeRound(this.runId, { round, generation, hash: thetaHash(thetaP), ...prev })
        : encodeTheta(this.runId, round, thetaP, this.o.rollout?.thetaExtra()),
      doneC: new Uint8Array(chunks.length),
      rewardsN: new Float64Array(tasks.length),
      entryIds: [],
      remaining: chunks.length,
    };
    const before = { ...this.stats };
    const stop = <T>(p: Promise<T>): Promise<T> => this.untilStopped(p, round);
    if (this.replayOf) await stop(this.cmd!.del(KEYS.state, KEYS.want));
    await stop(
      this.issue(
        r,
        chunks.map((_, c) => c),
        true,
      ),
    );
    const checkEveryMs = this.o.checkEveryMs ?? 2000;
    let done = 0,
      lastNews = Date.now(),
      lastCheck = Date.now(),
      idle = false;
    while (r.remaining > 0) {
      if (this.reconnected) await stop(this.reissue(r));
      else if (Date.now() - lastCheck >= checkEveryMs) {
        lastCheck = Date.now();
        idle = (await stop(this.checkRound(r, idle))).idle;
        await stop(this.writeStatus(false));
      }
      if (this.replayOf) await stop(this.serveWant(r));
      const answered = await stop(this.readResults(r));
      if (answered > 0) {
        done += answered;
        lastNews = Date.now();
        idle = false;
        onProgress?.(Math.min(tasks.length, done));
      } else if (Date.now() - lastNews > (this.o.waitWarnMs ?? 30_000)) {
        lastNews = Date.now();
        this.log(
          `redis: round ${round}: ${chunks.length - r.remaining}/${chunks.length} chunks answered, none for a while; ${this.workerCount()}; start one with: esgrad worker --redis ${this.o.target.label}`,
        );
      }
    }
    if (r.entryIds.length) await this.cmd!.xdel(KEYS.tasks, ...r.entryIds);
    this.prev = { generation, rewardsN: r.rewardsN.slice() };
    this.logSkipped(round, before);
    await this.writeStatus(false);
    return r.rewardsN;
  }

  /**
   * Replay: when a worker asked for this round's full state (esgrad:want), publishes it at esgrad:state
   * (once per round while it stays there).
   */
  private async serveWant(r: Round): Promise<void> {
    const want = await this.cmd!.getdel(KEYS.want);
    if (want !== `${this.runId}:${r.round}`) return;
    if (r.statePublished && (await this.cmd!.exists(KEYS.state)) === 1) return;
    const s = this.replayOf!.state();
    if (s.generation !== r.generation || s.thetaP !== r.thetaP) {
      this.log(
        `redis: round ${r.round}: the ES state at hand is of generation ${s.generation}, not the round's ${r.generation}; not published`,
      );
      return;
    }
    const buf = encodeState(this.runId, r.round, s);
    await this.cmd!.set(KEYS.state, buf);
    r.statePublished = true;
    this.stats.bytesOut += buf.length;
  }

  /** "n worker(s) registered, m alive" as of the last key check. */
  private workerCount(): string {
    const all = workerStatuses(this.registered, this.tallies, Date.now());
    return `${all.length} worker(s) registered, ${all.filter((w) => w.alive).length} alive`;
  }

  /** <runDir>/workers.json, at most once a second unless `now`. */
  private async writeStatus(now: boolean): Promise<void> {
    if (!this.o.runDir || (!now && Date.now() - this.statusWrittenMs < 1000)) return;
    this.statusWrittenMs = Date.now();
    try {
      if (this.cmd?.status === 'ready') this.registered = await this.cmd.hgetall(KEYS.workers);
    } catch {
      // written with what the last look found
    }
    const s = this.stats;
    const file: WorkersFile = {
      updated: new Date().toISOString(),
      workers: workerStatuses(this.registered, this.tallies, Date.now()),
      skippedFraction: s.results > 0 ? (s.stale + s.malformed + s.refused) / s.results : 0,
      bytesPerIteration: s.rounds > 0 ? (s.bytesOut + s.bytesIn) / s.rounds : 0,
    };
    try {
      writeWorkersFile(join(this.o.runDir, WORKERS_FILE), file);
    } catch (e) {
      this.log(`redis: cannot write ${WORKERS_FILE} in ${this.o.runDir}: ${(e as Error).message}`);
    }
  }

  private tally(worker: string | undefined, kind: 'chunks' | 'stale' | 'malformed'): void {
    if (worker === undefined) return;
    let t = this.tallies.get(worker);
    if (!t) {
      if (this.tallies.size >= 10_000) return; // names made up by a hostile writer
      t = newTally();
      this.tallies.set(worker, t);
    }
    t[kind]++;
    t.lastResultMs = Date.now();
  }

  /**
   * Reads, deletes and judges the pending results (READ_RESULTS: none longer than the round's cap is
   * read), or waits up to 0.5 s for a worker's notification; returns the tasks newly answered.
   */
  private async readResults(r: Round): Promise<number> {
    const cap = resultCap(r.chunks[0]?.ids.length ?? 0, this.o.rollout?.recordSize); // the first chunk is the longest
    let entries: [string, string, number, string][];
    try {
      entries = (await this.reader!.eval(
        READ_RESULTS,
        2,
        KEYS.results,
        KEYS.notify,
        512,
        cap,
        RESULT_FIELD,
      )) as [string, string, number, string][];
    } catch (e) {
      if (!/WRONGTYPE/.test(String((e as Error).message))) throw e;
      this.log(`redis: ${KEYS.results} or ${KEYS.notify} was replaced by another kind of value; deleted it`);
      await this.cmd!.del(KEYS.results, KEYS.notify);
      return 0;
    }
    if (entries.length === 0) {
      await this.reader!.blpop(KEYS.notify, 0.5);
      return 0;
    }
    let answered = 0;
    for (const [, kind, bytes, text] of entries) {
      this.stats.results++;
      this.stats.bytesIn += Number(bytes);
      const v: ResultVerdict =
        kind === 'big'
          ? this.oversized(r, Number(bytes), cap, text)
          : judgeResult(text, {
              run: this.runId,
              version: VERSION,
              round: r.round,
              chunks: r.chunks,
              done: (c) => r.doneC[c] === 1,
              ...(this.work.subject.kind === 'model' ? { maxReward: 0 } : {}),
              ...(this.o.rollout ? { recordSize: this.o.rollout.recordSize } : {}),
            });
      if (v.reclaimed && v.chunk !== undefined) {
        this.log(
          `redis: round ${r.round}: chunk ${v.chunk}'s lease expired (its worker renewed nothing for ${(this.info.leaseMs / 1000).toFixed(1)} s: dead, frozen or cut off); re-issued, answered by ${v.worker ?? '?'}`,
        );
      }
      if (v.kind === 'ok') {
        r.doneC[v.chunk] = 1;
        r.remaining--;
        r.rewardsN.set(v.rewards, r.chunks[v.chunk]!.start);
        if (v.records) this.o.rollout?.onRecords(r.chunks[v.chunk]!.ids, v.records);
        if (v.failures) this.failures.add(`on worker ${v.worker}: ${v.failures.first}`, v.failures.count);
        answered += v.rewards.length;
        this.tally(v.worker, 'chunks');
      } else {
        this.stats[v.kind]++;
        this.tally(v.worker, v.kind === 'stale' ? 'stale' : 'malformed');
        if (v.kind === 'refused' && !this.refusedWorkers.has(v.worker ?? '')) {
          this.refusedWorkers.add(v.worker ?? '');
          this.log(`redis: refused results of worker ${v.worker ?? '?'}: ${v.why}`);
        }
      }
    }
    return answered;
  }

  /** A result longer than the cap: malformed, counted, logged once per worker name. */
  private oversized(r: Round, bytes: number, cap: number, prefix: string): ResultVerdict {
    this.stats.oversized++;
    const worker = workerNameIn(prefix);
    if (!this.oversizedWorkers.has(worker ?? '')) {
      this.oversizedWorkers.add(worker ?? '');
      this.log(
        `redis: round ${r.round}: dropped a result of ${bytes.toLocaleString('en-US')} bytes from worker ${worker ?? '?'} unread (a chunk's result is at most ${cap.toLocaleString('en-US')} bytes; further ones counted as malformed)`,
      );
    }
    return { kind: 'malformed', why: `${bytes} bytes`, ...(worker === undefined ? {} : { worker }) };
  }

  private logSkipped(round: number, before: RedisStats): void {
    const s = this.stats;
    const got = s.results - before.results;
    const skipped = {
      stale: s.stale - before.stale,
      malformed: s.malformed - before.malformed,
      refused: s.refused - before.refused,
    };
    const n = skipped.stale + skipped.malformed + skipped.refused;
    if (n === 0) return;
    const parts = Object.entries(skipped)
      .filter(([, k]) => k > 0)
      .map(([what, k]) => `${k} ${what}`);
    this.log(
      `redis: round ${round}: skipped ${n} of ${got} results (${((100 * n) / got).toFixed(1)}%: ${parts.join(', ')})`,
    );
  }

  /** Removes the run's keys (idle workers go back to waiting for a master) and disconnects. */
  async close(): Promise<void> {
    if (this.stats.rounds > 0) await this.writeStatus(true);
    const cmd = this.cmd;
    this.cmd = undefined;
    if (cmd?.status === 'ready') {
      try {
        await cmd.del(
          KEYS.run,
          KEYS.model,
          KEYS.theta,
          KEYS.tasks,
          KEYS.results,
          KEYS.notify,
          KEYS.round,
          KEYS.state,
          KEYS.want,
        );
      } catch {
        // Redis is gone: nothing to clean
      }
    }
    await closeRedis(cmd);
    await closeRedis(this.reader);
    this.failures.close();
    const s = this.stats;
    if (s.rounds > 0) {
      const skipped = s.stale + s.malformed + s.refused;
      this.log(
        `redis: ${s.rounds} rounds; ${s.results} results, ${skipped} skipped (${s.stale} stale, ${s.malformed} malformed, ${s.refused} refused); master sent ${(s.bytesOut / s.rounds / 1024).toFixed(1)} KiB and read ${(s.bytesIn / s.rounds / 1024).toFixed(1)} KiB per round`,
      );
    }
  }
}

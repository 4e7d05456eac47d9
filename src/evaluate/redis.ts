// The Redis evaluator (the master's side): publishes θ once per round, issues chunks of tasks on a
// Redis stream for workers anywhere, and collects their validated rewards (protocol: redis-protocol.ts).
import type { Redis } from 'ioredis';
import type { EsTask } from '../es/task.ts';
import { UsageError, type Vec } from '../types.ts';
import { VERSION } from '../version.ts';
import type { EvaluationSettings, Evaluator } from './evaluator.ts';
import { FailureReport } from './objective.ts';
import { closeRedis, connectRedis, type RedisTarget, redactUrl } from './redis-connect.ts';
import {
  CHUNK_FIELD,
  type ChunkMessage,
  encodeTheta,
  GROUP,
  type IssuedChunk,
  judgeResult,
  KEYS,
  PROTOCOL,
  RESULT_FIELD,
  type RunInfo,
  toTuple,
} from './redis-protocol.ts';
import { newRunId, type RedisWork, tableHash } from './redis-run.ts';

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
  readonly log?: (msg: string) => void;
}

/** Counters over the evaluator's life; bytes are payload bytes the master wrote and read. */
export interface RedisStats {
  rounds: number;
  results: number;
  stale: number;
  malformed: number;
  refused: number;
  bytesOut: number;
  bytesIn: number;
}

interface Round {
  readonly round: number;
  readonly chunks: readonly (IssuedChunk & { readonly start: number; readonly message: string })[];
  readonly thetaBuf: Buffer;
  readonly doneC: Uint8Array;
  readonly rewardsN: Float64Array;
  readonly entryIds: string[];
  remaining: number;
}

export class RedisEvaluator implements Evaluator {
  readonly runId = newRunId();
  readonly info: RunInfo;
  readonly stats: RedisStats = {
    rounds: 0,
    results: 0,
    stale: 0,
    malformed: 0,
    refused: 0,
    bytesOut: 0,
    bytesIn: 0,
  };
  private cmd?: Redis | undefined;
  private reader?: Redis;
  private lastResultId = '0-0';
  private reconnected = false;
  private readonly log: (msg: string) => void;
  private readonly refusedWorkers = new Set<string>();
  private readonly failures: FailureReport;

  /** @param work what the run evaluates (redis-run.ts: modelWork or objectiveWork) */
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

  /** Tasks per chunk of a round of n: for a model, multiples of K so every worker groups offspring into session.runs as the local evaluator does. */
  private chunkSize(n: number): number {
    const s = this.work.subject;
    if (s.kind === 'model') {
      const k = s.copiesPerRun;
      return Math.ceil((this.o.tasksPerChunk ?? 2 * k) / k) * k;
    }
    return this.o.tasksPerChunk ?? Math.max(1, Math.ceil(n / 64));
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
    await this.cmd.del(KEYS.tasks, KEYS.results, KEYS.theta);
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
      if (!/BUSYGROUP/.test(String((e as Error).message))) throw e;
    }
  }

  /** θ and the given chunks of the current round onto Redis. */
  private async issue(r: Round, chunkIndices: readonly number[], withTheta: boolean): Promise<void> {
    const p = this.cmd!.pipeline();
    if (withTheta) p.set(KEYS.theta, r.thetaBuf);
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
    this.lastResultId = '0-0';
    const undone = r.chunks.map((_, c) => c).filter((c) => !r.doneC[c]);
    await this.issue(r, undone, true);
    this.log(`redis: re-issued θ and ${undone.length} unanswered chunks of round ${r.round}`);
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
      if (e instanceof UsageError) throw e;
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
    const r: Round = {
      round,
      chunks,
      thetaBuf: encodeTheta(this.runId, round, thetaP),
      doneC: new Uint8Array(chunks.length),
      rewardsN: new Float64Array(tasks.length),
      entryIds: [],
      remaining: chunks.length,
    };
    const before = { ...this.stats };
    await this.issue(
      r,
      chunks.map((_, c) => c),
      true,
    );
    let done = 0,
      lastNews = Date.now();
    while (r.remaining > 0) {
      if (this.reconnected) await this.reissue(r);
      const answered = await this.readResults(r);
      if (answered > 0) {
        done += answered;
        lastNews = Date.now();
        onProgress?.(Math.min(tasks.length, done));
      } else if (Date.now() - lastNews > (this.o.waitWarnMs ?? 30_000)) {
        lastNews = Date.now();
        const workers = await this.cmd!.hlen(KEYS.workers);
        this.log(
          `redis: round ${round}: ${chunks.length - r.remaining}/${chunks.length} chunks answered, none for a while; ${workers} worker(s) registered; start one with: esgrad worker --redis ${this.o.target.label}`,
        );
      }
    }
    if (r.entryIds.length) await this.cmd!.xdel(KEYS.tasks, ...r.entryIds);
    this.logSkipped(round, before);
    return r.rewardsN;
  }

  /** Reads and judges pending results (blocking up to 0.5 s); returns the tasks newly answered. */
  private async readResults(r: Round): Promise<number> {
    const reply = (await this.reader!.xread(
      'COUNT',
      512,
      'BLOCK',
      500,
      'STREAMS',
      KEYS.results,
      this.lastResultId,
    )) as [string, [string, string[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    let answered = 0;
    for (const [id, fields] of entries) {
      this.lastResultId = id;
      const text = fields[fields.indexOf(RESULT_FIELD) + 1];
      this.stats.results++;
      this.stats.bytesIn += text?.length ?? 0;
      const v = judgeResult(text, {
        run: this.runId,
        version: VERSION,
        round: r.round,
        chunks: r.chunks,
        done: (c) => r.doneC[c] === 1,
      });
      if (v.kind === 'ok') {
        r.doneC[v.chunk] = 1;
        r.remaining--;
        r.rewardsN.set(v.rewards, r.chunks[v.chunk]!.start);
        if (v.failures) this.failures.add(`on worker ${v.worker}: ${v.failures.first}`, v.failures.count);
        answered += v.rewards.length;
      } else {
        this.stats[v.kind]++;
        if (v.kind === 'refused' && !this.refusedWorkers.has(v.worker ?? '')) {
          this.refusedWorkers.add(v.worker ?? '');
          this.log(`redis: refused results of worker ${v.worker ?? '?'}: ${v.why}`);
        }
      }
    }
    if (entries.length) await this.cmd!.xdel(KEYS.results, ...entries.map(([id]) => id));
    return answered;
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
    const cmd = this.cmd;
    this.cmd = undefined;
    if (cmd?.status === 'ready') {
      try {
        await cmd.del(KEYS.run, KEYS.model, KEYS.theta, KEYS.tasks, KEYS.results);
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

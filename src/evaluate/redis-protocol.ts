// The protocol between an esgrad master and its Redis workers, in one place: keys, messages, their
// encoding and validation. Pure functions; the transports are redis.ts (master) and redis-worker.ts.
//
// One run per Redis database. Keys (PREFIX = "esgrad:"):
//   esgrad:run      string  JSON RunInfo: the run's id, esgrad version, protocol, P, the evaluation
//                           settings (one object: seed, batch, subset, limited + bucket size), the noise
//                           table's size and hash, the lease, and the run's subject: a model (its name
//                           and sha256 fingerprint, the dataset's name, size and sha256, K per
//                           session.run), an objective module (its file name, sha256, direction), or
//                           a control task's rollouts (RolloutSettings: a task name, never a file).
//   esgrad:model    string  the model of a model run (encodeModelSource: a spec's JSON or an ONNX
//                           file's bytes), written before esgrad:run; workers build the model from it
//                           and check its fingerprint, so they need no model of their own.
//   esgrad:theta    string  θ of the current round, published ONCE per round: a 16-byte header
//                           (u32 magic, u32 round, 8 bytes of the run id) then P float32 little-endian;
//                           a rollout run appends the round's observation filter (2O float64 LE:
//                           mean then std), so θ and the filter a worker reads are of the same round.
//   esgrad:tasks    stream  one entry per chunk of tasks, field "c" = JSON ChunkMessage; consumer
//                           group "workers". A worker takes entries with XREADGROUP (">"), which
//                           LEASES them: they stay in the group's pending list until it XACKs them.
//                           While evaluating it renews the lease (XCLAIM to itself every lease/3).
//                           Before reading new entries a worker XAUTOCLAIMs any entry idle longer
//                           than the lease: a dead worker's chunk is re-issued to a live one.
//   esgrad:results  stream  one entry per answered chunk, field "r" = JSON ResultMessage: only
//                           (task ids, generation, rewards; a rollout run adds each task's record
//                           of rolloutRecordSize(O) floats) go back, never θ. The master reads
//                           and deletes them with one script (READ_RESULTS) that passes on no entry
//                           longer than a cap (a result of MBs is dropped unread).
//   esgrad:notify   list    a worker pushes "1" after each result; the master blocks on it (BLPOP)
//                           between reads, and the read script empties it.
//   esgrad:workers  hash    worker name -> JSON WorkerInfo, rewritten by every worker every second
//                           (a heartbeat: it comes back after a FLUSHDB, and says who is alive).
// A round is one Evaluator.evaluate call (one ES iteration): the master SETs esgrad:theta, XADDs the
// chunks, reads results (READ_RESULTS, BLPOP esgrad:notify while there are none); at the end of the
// round it XDELs the round's task entries. During a round it checks every few seconds that its keys
// are still there (a FLUSHDB, an eviction or a stray DEL/SET needs no dropped connection) and
// republishes what vanished. A worker that cannot read θ of a chunk's round leaves the chunk pending
// (it is re-issued when its lease expires) instead of acknowledging it unanswered.
// Results of another round or already answered chunks are stale;
// results that fail validation are malformed; results of another esgrad version or run are
// refused. All three are counted, dropped and logged as the skipped fraction. Workers refuse to
// serve a run whose version, protocol or fingerprints differ from their own (exit code 2).
// Rewards are JSON numbers (exact for float64); -0, NaN and ±Infinity travel as strings.
// A replay run (RunInfo.replay) publishes no θ: esgrad:round instead, and esgrad:state on request
// (redis-replay.ts); workers rebuild θ with tell() and check it by its sha256.

import type { ModelSource } from '../backend/source.ts';
import type { EsConfig } from '../es/config.ts';
import type { EsTask } from '../es/task.ts';
import type { EvaluationSettings } from './evaluator.ts';
import type { Direction } from './objective.ts';
import type { RolloutSettings } from './rollout.ts';
import type { ChunkFailures } from './threads-protocol.ts';

export const PROTOCOL = 4;
export const PREFIX = 'esgrad:';
export const KEYS = {
  run: `${PREFIX}run`,
  model: `${PREFIX}model`,
  theta: `${PREFIX}theta`,
  tasks: `${PREFIX}tasks`,
  results: `${PREFIX}results`,
  notify: `${PREFIX}notify`,
  workers: `${PREFIX}workers`,
  /** Replay runs (redis-replay.ts): θ's hash and the previous rewards, instead of esgrad:theta. */
  round: `${PREFIX}round`,
  /** Replay runs: a worker's request for the full state of a round. */
  want: `${PREFIX}want`,
  /** Replay runs: the full state (θ and the optimizer's), published on request. */
  state: `${PREFIX}state`,
} as const;
export const GROUP = 'workers';
export const CHUNK_FIELD = 'c';
export const RESULT_FIELD = 'r';
const THETA_MAGIC = 0x45534731; // "ESG1"
export const THETA_HEADER_BYTES = 16;
/** A result message longer than this is malformed without being parsed. */
export const MAX_MESSAGE_BYTES = 1 << 20;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a model run evaluates: the published model and the training data, by fingerprint. */
export interface ModelSubject {
  readonly kind: 'model';
  /** The model's name, for messages. */
  readonly model: string;
  /** modelFingerprint of the source published at esgrad:model. */
  readonly modelFingerprint: string;
  /** The dataset's name: a registered dataset workers load, else the base name of the master's directory. */
  readonly dataset: string;
  readonly trainCount: number;
  /** dataFingerprint of the training split (sizes, images, labels). */
  readonly dataFingerprint: string;
  /** Offspring per session.run (K): chunks start at multiples of it. */
  readonly copiesPerRun: number;
}

/** What an objective run evaluates: the user's module, by the sha256 of its bytes. */
export interface ObjectiveSubject {
  readonly kind: 'objective';
  /** The module's file name, for messages. */
  readonly objective: string;
  readonly objectiveHash: string;
  readonly direction: Direction;
}

/** What a control-task run evaluates: rollouts of a built-in task (workers build its environments). */
export interface RolloutSubject {
  readonly kind: 'rollout';
  readonly rollout: RolloutSettings;
  /** O: the filter after θ is 2O float64, a task's record rolloutRecordSize(O) floats. */
  readonly observationSize: number;
}

export type RunSubject = ModelSubject | ObjectiveSubject | RolloutSubject;

/** What a worker needs to evaluate the run's tasks bit for bit as the master would. */
export interface RunInfo {
  readonly protocol: number;
  readonly version: string;
  /** 16 hex digits, new for every master start (also for a resumed run). */
  readonly runId: string;
  readonly params: number;
  readonly settings: EvaluationSettings;
  readonly noiseTableSize: number;
  /** sha256 of a strided sample of the noise table, hex. */
  readonly tableHash: string;
  /** A chunk not renewed for this long is re-issued to another worker. */
  readonly leaseMs: number;
  readonly subject: RunSubject;
  /** Replay run: workers rebuild θ by tell() with these ES settings from each round's published rewards. */
  readonly replay?: { readonly es: EsConfig } | undefined;
}

/** A model source as stored at esgrad:model: u32 LE header length, the header's JSON, then an ONNX file's bytes. */
export function encodeModelSource(source: ModelSource): Buffer {
  const { bytes, ...rest } = source.format === 'onnx' ? source : { ...source, bytes: undefined };
  const header = Buffer.from(JSON.stringify(rest));
  const lengthB = Buffer.alloc(4);
  lengthB.writeUInt32LE(header.length, 0);
  return Buffer.concat([lengthB, header, ...(bytes ? [bytes] : [])]);
}

/** The model source in a stored value, or undefined when it is not one (its fingerprint is checked apart). */
export function decodeModelSource(buf: Buffer | null): ModelSource | undefined {
  if (!buf || buf.length < 4) return undefined;
  const n = buf.readUInt32LE(0);
  if (4 + n > buf.length) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(buf.subarray(4, 4 + n).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(header)) return undefined;
  if (header.format === 'spec' && isObject(header.spec) && 4 + n === buf.length)
    return header as unknown as ModelSource;
  if (header.format === 'onnx' && typeof header.name === 'string' && typeof header.loss === 'string')
    return { ...(header as object), bytes: new Uint8Array(buf.subarray(4 + n)) } as ModelSource;
  return undefined;
}

/** One task as 6 numbers: [id, generation, noiseOffset, sign, bucket, dataSeed]. */
export type TaskTuple = readonly [number, number, number, number, number, number];

export interface ChunkMessage {
  readonly run: string;
  readonly round: number;
  readonly chunk: number;
  readonly sigma: number;
  readonly tasks: readonly TaskTuple[];
}

export type WireReward = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

export interface ResultMessage {
  readonly run: string;
  /** The worker's esgrad version. */
  readonly v: string;
  readonly worker: string;
  readonly round: number;
  readonly chunk: number;
  readonly generation: number;
  readonly ids: readonly number[];
  readonly rewards: readonly WireReward[];
  /** Objective and rollout runs: the chunk's failed evaluations (NaN rewards) and the first failure's message. */
  readonly failures?: ChunkFailures;
  /** Rollout runs: the tasks' records (rolloutRecordSize(O) floats each, in task order), as rewards travel. */
  readonly records?: readonly WireReward[];
  /** The worker took the chunk over from an expired lease (its first worker died or froze). */
  readonly reclaimed?: true;
}

/** What a worker says of itself at esgrad:workers (rewritten every HEARTBEAT_MS). */
export interface WorkerInfo {
  readonly version: string;
  readonly host: string;
  readonly pid: number;
  readonly since: string;
  /** When the worker last wrote this (ISO). */
  readonly lastSeen: string;
}

/** How often a worker rewrites its WorkerInfo. */
export const HEARTBEAT_MS = 1000;

/** The WorkerInfo in a stored value, or undefined when it is not one. */
export function parseWorkerInfo(text: unknown): WorkerInfo | undefined {
  const m = parseJson(text);
  if (
    !isObject(m) ||
    typeof m.host !== 'string' ||
    !isInt(m.pid) ||
    typeof m.lastSeen !== 'string' ||
    !Number.isFinite(Date.parse(m.lastSeen))
  )
    return undefined;
  return {
    version: String(m.version ?? '').slice(0, 40),
    host: m.host.slice(0, 200),
    pid: m.pid,
    since: String(m.since ?? '').slice(0, 40),
    lastSeen: m.lastSeen,
  };
}

/**
 * The master's read of the results stream, as one Lua script: up to ARGV[1] entries from the start,
 * each passed on as [id, 'ok', bytes, text] or, when its field (ARGV[3]) is longer than ARGV[2] bytes,
 * as [id, 'big', bytes, its first 256 bytes] (never read in full by the master); the entries read are
 * deleted, and so are the notifications (KEYS: results, notify).
 */
export const READ_RESULTS = `
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[1]))
local cap = tonumber(ARGV[2])
local out = {}
local ids = {}
for i, e in ipairs(entries) do
  local fields = e[2]
  local text = ''
  for j = 1, #fields - 1, 2 do
    if fields[j] == ARGV[3] then text = fields[j + 1] end
  end
  if #text > cap then
    out[i] = {e[1], 'big', #text, string.sub(text, 1, 256)}
  else
    out[i] = {e[1], 'ok', #text, text}
  end
  ids[i] = e[1]
end
if #ids > 0 then redis.call('XDEL', KEYS[1], unpack(ids)) end
redis.call('DEL', KEYS[2])
return out
`;

/**
 * The largest result of a chunk of n tasks a valid worker sends (ids, rewards and the floats of each
 * task's record of `recordSize`, ≤ 48 characters each; a failure message, names).
 */
export const resultCap = (tasks: number, recordSize = 0): number => 4096 + 48 * tasks * (1 + recordSize);

/** The worker name at the start of an oversized result (for the log), if it shows one. */
export function workerNameIn(prefix: string): string | undefined {
  return /"worker":"([^"\\]{1,200})"/.exec(prefix)?.[1];
}

export const toTuple = (t: EsTask): TaskTuple => [
  t.id,
  t.generation,
  t.noiseOffset,
  t.sign,
  t.bucket,
  t.dataSeed,
];
export const fromTuple = ([id, generation, noiseOffset, sign, bucket, dataSeed]: TaskTuple): EsTask => ({
  id,
  generation,
  noiseOffset,
  sign: sign === -1 ? -1 : 1,
  bucket,
  dataSeed,
});

export function encodeReward(r: number): WireReward {
  if (Object.is(r, -0)) return '-0';
  return Number.isFinite(r) ? r : (String(r) as WireReward);
}

const SPECIAL: Readonly<Record<string, number>> = {
  NaN: NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
  '-0': -0,
};

/** The float64 a wire reward stands for, or undefined when it is not one. */
export function decodeReward(w: unknown): number | undefined {
  if (typeof w === 'number') return Number.isFinite(w) ? w : undefined;
  return typeof w === 'string' && w in SPECIAL ? SPECIAL[w] : undefined;
}

/** θ with its header (and a rollout run's filter bytes after it), as stored at esgrad:theta. */
export function encodeTheta(
  runId: string,
  round: number,
  thetaP: Float32Array,
  extra: Uint8Array = new Uint8Array(0),
): Buffer {
  const buf = Buffer.alloc(THETA_HEADER_BYTES + thetaP.byteLength + extra.length);
  buf.writeUInt32LE(THETA_MAGIC, 0);
  buf.writeUInt32LE(round, 4);
  Buffer.from(runId.padEnd(16, '0').slice(0, 16), 'hex').copy(buf, 8);
  Buffer.from(thetaP.buffer, thetaP.byteOffset, thetaP.byteLength).copy(buf, THETA_HEADER_BYTES);
  buf.set(extra, THETA_HEADER_BYTES + thetaP.byteLength);
  return buf;
}

/**
 * The round and θ in a stored value, or undefined when it is not θ of `runId` with P floats followed
 * by exactly `extraBytes` bytes (returned as `extra` when there are any).
 */
export function decodeTheta(
  buf: Buffer | null,
  runId: string,
  P: number,
  extraBytes = 0,
): { round: number; thetaP: Float32Array; extra?: Uint8Array } | undefined {
  const end = THETA_HEADER_BYTES + 4 * P;
  if (!buf || buf.length !== end + extraBytes || buf.readUInt32LE(0) !== THETA_MAGIC) return undefined;
  if (buf.subarray(8, 16).toString('hex') !== runId.padEnd(16, '0').slice(0, 16)) return undefined;
  const thetaP = new Float32Array(P);
  Buffer.from(thetaP.buffer).set(buf.subarray(THETA_HEADER_BYTES, end));
  const round = buf.readUInt32LE(4);
  return extraBytes > 0 ? { round, thetaP, extra: Uint8Array.from(buf.subarray(end)) } : { round, thetaP };
}

/** An observation filter as bytes after θ: mean (O) then std (O), float64 little-endian. */
export function encodeFilter(meanO: Float64Array, stdO: Float64Array): Uint8Array {
  const buf = Buffer.alloc(16 * meanO.length);
  for (let i = 0; i < meanO.length; i++) {
    buf.writeDoubleLE(meanO[i]!, 8 * i);
    buf.writeDoubleLE(stdO[i]!, 8 * (meanO.length + i));
  }
  return buf;
}

/** The filter in encodeFilter's bytes (16·O of them). */
export function decodeFilter(bytes: Uint8Array, O: number): { meanO: Float64Array; stdO: Float64Array } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const meanO = new Float64Array(O),
    stdO = new Float64Array(O);
  for (let i = 0; i < O; i++) {
    meanO[i] = buf.readDoubleLE(8 * i);
    stdO[i] = buf.readDoubleLE(8 * (O + i));
  }
  return { meanO, stdO };
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text.length > MAX_MESSAGE_BYTES) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A chunk message as read by a worker, or a reason to drop it. */
export function parseChunk(text: unknown): ChunkMessage | { bad: string } {
  const m = parseJson(text);
  if (!isObject(m)) return { bad: 'not a JSON object' };
  if (
    typeof m.run !== 'string' ||
    !isInt(m.round) ||
    !isInt(m.chunk) ||
    typeof m.sigma !== 'number' ||
    !Number.isFinite(m.sigma)
  ) {
    return { bad: 'run, round, chunk or sigma missing or of the wrong type' };
  }
  if (!Array.isArray(m.tasks) || m.tasks.length === 0) return { bad: 'no tasks' };
  for (const t of m.tasks) {
    if (
      !Array.isArray(t) ||
      t.length !== 6 ||
      !t.every(isInt) ||
      (t[3] !== 1 && t[3] !== -1) ||
      (t[2] as number) < 0
    )
      return { bad: 'a task is not [id, generation, offset, ±1, bucket, dataSeed]' };
  }
  return m as unknown as ChunkMessage;
}

/** What the master knows of a chunk it issued: enough to check an answer. */
export interface IssuedChunk {
  readonly ids: readonly number[];
  readonly generation: number;
}

export type ResultVerdict =
  | {
      readonly kind: 'ok';
      readonly chunk: number;
      readonly rewards: Float64Array;
      readonly worker: string;
      readonly failures?: ChunkFailures;
      /** Rollout runs: the tasks' records, recordSize floats each, in task order. */
      readonly records?: Float64Array;
      /** The worker took the chunk over from an expired lease. */
      readonly reclaimed?: true;
    }
  | {
      readonly kind: 'stale' | 'malformed' | 'refused';
      readonly why: string;
      readonly worker?: string;
      /** The chunk's number, when the result named one of this round's. */
      readonly chunk?: number;
      readonly reclaimed?: true;
    };

/**
 * Checks a result against the master's current round: shape, run and version, round, chunk,
 * generation, the exact task ids, one valid reward per task (none above `maxReward`) and, with
 * `recordSize`, each task's record (recordRefusal).
 */
export function judgeResult(
  text: unknown,
  want: {
    run: string;
    version: string;
    round: number;
    chunks: readonly IssuedChunk[];
    done: (chunk: number) => boolean;
    /** The largest reward a valid worker can send (a model's reward is −loss ≤ 0); none for objectives. */
    maxReward?: number;
    /** Rollout runs: floats per task record (rolloutRecordSize(O)); records are then required. */
    recordSize?: number;
  },
): ResultVerdict {
  const m = parseJson(text);
  if (!isObject(m)) return { kind: 'malformed', why: 'not a JSON object' };
  const worker = typeof m.worker === 'string' ? m.worker.slice(0, 200) : undefined;
  const w = worker === undefined ? {} : { worker };
  if (
    typeof m.run !== 'string' ||
    typeof m.v !== 'string' ||
    worker === undefined ||
    !isInt(m.round) ||
    !isInt(m.chunk) ||
    !isInt(m.generation) ||
    !Array.isArray(m.ids) ||
    !Array.isArray(m.rewards)
  ) {
    return { kind: 'malformed', why: 'a field is missing or of the wrong type', ...w };
  }
  if (m.v !== want.version)
    return {
      kind: 'refused',
      why: `worker runs esgrad ${m.v.slice(0, 40)}, the master ${want.version}`,
      ...w,
    };
  if (m.run !== want.run) return { kind: 'stale', why: 'result of another run', ...w };
  if (m.round !== want.round)
    return {
      kind: m.round < want.round ? 'stale' : 'malformed',
      why: `round ${m.round}, current ${want.round}`,
      ...w,
    };
  const issued = want.chunks[m.chunk];
  if (!issued) return { kind: 'malformed', why: `no chunk ${m.chunk} in this round`, ...w };
  if (want.done(m.chunk))
    return {
      kind: 'stale',
      why: `chunk ${m.chunk} already answered`,
      chunk: m.chunk,
      ...w,
      ...(m.reclaimed === true ? { reclaimed: true } : {}),
    };
  if (m.generation !== issued.generation)
    return {
      kind: 'malformed',
      why: `generation ${m.generation}, chunk ${m.chunk} is of ${issued.generation}`,
      ...w,
    };
  if (m.ids.length !== issued.ids.length || m.ids.some((id, i) => id !== issued.ids[i]))
    return { kind: 'malformed', why: `task ids differ from chunk ${m.chunk}'s`, ...w };
  if (m.rewards.length !== issued.ids.length)
    return { kind: 'malformed', why: `${m.rewards.length} rewards for ${issued.ids.length} tasks`, ...w };
  const rewards = new Float64Array(m.rewards.length);
  for (let i = 0; i < rewards.length; i++) {
    const r = decodeReward(m.rewards[i]);
    if (r === undefined) return { kind: 'malformed', why: `reward ${i} is not a number`, ...w };
    if (want.maxReward !== undefined && r > want.maxReward)
      return {
        kind: 'malformed',
        why: `reward ${i} is ${r}, above ${want.maxReward}: impossible (a model's reward is −loss)`,
        ...w,
      };
    rewards[i] = r;
  }
  let records: { records?: Float64Array } = {};
  if (want.recordSize !== undefined) {
    const checked = decodeRecords(m.records, rewards, want.recordSize);
    if (typeof checked === 'string') return { kind: 'malformed', why: checked, ...w };
    records = { records: checked };
  }
  const f = m.failures;
  const failures =
    isObject(f) && isInt(f.count) && f.count > 0 && typeof f.first === 'string'
      ? { failures: { count: f.count, first: f.first.slice(0, 500) } }
      : {};
  return {
    kind: 'ok',
    chunk: m.chunk,
    rewards,
    worker,
    ...failures,
    ...records,
    ...(m.reclaimed === true ? { reclaimed: true } : {}),
  };
}

const isCount = (x: number): boolean => Number.isInteger(x) && x >= 0;

/**
 * The records of a rollout result (env/rollout.ts's layout: [return, steps, observations counted, Σo,
 * Σo²]), or why they are not: one record of R floats per reward, each float a wire reward, the return
 * the task's reward itself (NaN included), steps and observations counted finite integers ≥ 0. The
 * sums may be anything (a diverged rollout's are left out of the statistics by the master).
 */
function decodeRecords(wire: unknown, rewards: Float64Array, R: number): Float64Array | string {
  if (!Array.isArray(wire) || wire.length !== rewards.length * R)
    return `${Array.isArray(wire) ? wire.length : 'no'} record floats for ${rewards.length} tasks of ${R}`;
  const records = new Float64Array(wire.length);
  for (let i = 0; i < wire.length; i++) {
    const x = decodeReward(wire[i]);
    if (x === undefined) return `record float ${i} is not a number`;
    records[i] = x;
  }
  for (let k = 0; k < rewards.length; k++) {
    if (!Object.is(records[k * R], rewards[k])) return `record ${k}'s return is not its reward`;
    if (!isCount(records[k * R + 1]!) || !isCount(records[k * R + 2]!))
      return `record ${k}'s steps or observation count is not a count`;
  }
  return records;
}

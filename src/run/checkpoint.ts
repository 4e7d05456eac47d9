// Checkpoints of a training run: θ, optimizer state, iteration, RNG and sampler positions and the
// loop's bookkeeping in one binary file, written atomically and read back bit for bit.
//
// File (<run dir>/checkpoint.bin), format 2: "ESGRADCK", u32 format, u32 header bytes, the sha256
// of the whole file but these 32 bytes, the header as JSON, zero padding to a multiple of 8, then
// the typed arrays' bytes (each 8-byte aligned). In the header a typed array is {"$a": "f32"|"f64",
// "o": byte offset in the data, "n": length}; a number that JSON cannot carry exactly (-0, NaN,
// ±Infinity) is {"$n": "-0"|"NaN"|...}. The checksum is checked on reading, so an edited setting is
// refused like a damaged array. Format 1 (the header's sha256 covered only the arrays) is still read,
// for export; it has no fingerprints, so it cannot be resumed. Every random stream of esgrad is a pure function of (seed,
// iteration) — mini-batches, noise offsets, buckets, subsets, the proxy's noise — so the RNG and
// sampler "states" are the seed and the iteration, recorded for the reader's benefit.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlainState } from '../optim/index.ts';
import { type Metrics, UsageError } from '../types.ts';
import { writeFileAtomic } from './files.ts';

export const CHECKPOINT_FILE = 'checkpoint.bin';
const MAGIC = 'ESGRADCK';
const FORMAT = 2;
/** Bytes before the header: magic, format, header length, sha256. */
const HEAD = 48;

/** The loop's bookkeeping after `iteration` completed iterations. */
export interface LoopState {
  readonly iteration: number;
  /** The best test accuracy (a control-task run: the best evaluation return, -Infinity before any). */
  readonly best: number;
  readonly last: { readonly loss: number; readonly accuracy: number } | null;
  /** Seconds the run had taken when the checkpoint was written (the resumed clock continues from it). */
  readonly seconds: number;
  /**
   * The last records of the run that metrics.jsonl may lack: writing them failed (a full disk), so the
   * checkpoint carries them and a resumed run writes them back.
   */
  readonly unwritten?: readonly Metrics[];
  /** sha256 of the metrics.jsonl lines of the records before the unwritten ones (an edited record is refused). */
  readonly recordsSha256?: string;
}

/** The sha256 of metrics.jsonl lines (each a record's JSON and a newline), hex. */
export function recordLinesSha256(lines: readonly string[]): string {
  const h = createHash('sha256');
  for (const line of lines) h.update(`${line}\n`);
  return h.digest('hex');
}

/** What a Step needs to continue: θ, the optimizer's state, and (ES) the generation. */
export interface StepState {
  readonly thetaP: Float32Array;
  readonly optState: PlainState;
  readonly generation?: number;
}

/** A control-task run's counters and observation statistics (run/control-checkpoint.ts). */
export interface ControlCounters {
  readonly timesteps: number;
  readonly evalTimesteps: number;
  readonly bestEvalIteration: number;
  /** NaN before the first evaluation. */
  readonly lastEvalReturn: number;
  readonly obsStats: { readonly count: number; readonly sumO: Float64Array; readonly sumSqO: Float64Array };
}

export interface Checkpoint {
  /** The run's validated config (TrainConfig), so a resumed run is the same run. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly loop: LoopState;
  readonly state: StepState;
  readonly rng: { readonly seed: number; readonly streams: string };
  /** Runs on a dataset: the mini-batch sampler's position. */
  readonly sampler?: { readonly seed: number; readonly batchSize: number; readonly nextBatch: number };
  readonly savedAt: string;
  /** sha256 of the training split (dataFingerprint) and of the model (modelFingerprint); absent in format 1. */
  readonly fingerprints?: { readonly data: string; readonly model: string };
  /** Control-task runs (`esgrad train --task`): what the loop needs besides θ and the optimizer. */
  readonly control?: ControlCounters;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Tree =
  | PlainState
  | boolean
  | string
  | null
  | readonly Tree[]
  | { readonly [k: string]: Tree }
  | undefined;

function encode(v: Tree, blobs: { bytes: Uint8Array; at: number }[], used: { n: number }): Json {
  if (v instanceof Float32Array || v instanceof Float64Array) {
    const at = used.n;
    blobs.push({ bytes: new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at });
    used.n += Math.ceil(v.byteLength / 8) * 8;
    return { $a: v instanceof Float32Array ? 'f32' : 'f64', o: at, n: v.length };
  }
  if (typeof v === 'number')
    return Number.isFinite(v) && !Object.is(v, -0) ? v : { $n: Object.is(v, -0) ? '-0' : String(v) };
  if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'string') return v ?? null;
  if (Array.isArray(v)) return v.map((x: Tree) => encode(x, blobs, used));
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, encode(x as Tree, blobs, used)]),
  );
}

function decode(j: Json, data: Buffer): Tree {
  if (Array.isArray(j)) return j.map((x) => decode(x, data));
  if (j === null || typeof j !== 'object') return j;
  if (typeof j.$a === 'string' && typeof j.o === 'number' && typeof j.n === 'number') {
    const Ctor = j.$a === 'f32' ? Float32Array : Float64Array;
    const out = new Ctor(j.n);
    const bytes = data.subarray(j.o, j.o + out.byteLength);
    if (bytes.length !== out.byteLength)
      throw new Error('checkpoint: an array runs past the end of the file');
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  if (typeof j.$n === 'string' && Object.keys(j).length === 1) return j.$n === '-0' ? -0 : Number(j.$n);
  return Object.fromEntries(Object.entries(j).map(([k, x]) => [k, decode(x, data)]));
}

/** sha256 of a format-2 file: every byte but the 32 of the checksum itself. */
function fileChecksum(buf: Uint8Array): Buffer {
  return createHash('sha256').update(buf.subarray(0, 16)).update(buf.subarray(HEAD)).digest();
}

/** The checkpoint's bytes. */
export function serializeCheckpoint(c: Checkpoint): Buffer {
  const blobs: { bytes: Uint8Array; at: number }[] = [];
  const used = { n: 0 };
  const body = encode(c as unknown as Tree, blobs, used);
  const data = Buffer.alloc(used.n);
  for (const b of blobs) data.set(b.bytes, b.at);
  const header = Buffer.from(JSON.stringify(body));
  const pad = (8 - ((HEAD + header.length) % 8)) % 8;
  const head = Buffer.alloc(HEAD);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(FORMAT, 8);
  head.writeUInt32LE(header.length, 12);
  const file = Buffer.concat([head, header, Buffer.alloc(pad), data]);
  fileChecksum(file).copy(file, 16);
  return file;
}

/** Format 1: the header {sha256 of the data, body} right after 16 bytes; only the data is checked. */
function readFormat1(buf: Buffer, where: string): Checkpoint {
  const headerEnd = 16 + buf.readUInt32LE(12);
  const data = buf.subarray(headerEnd + ((8 - (headerEnd % 8)) % 8));
  let header: { sha256: string; body: Json };
  try {
    header = JSON.parse(buf.toString('utf8', 16, headerEnd)) as typeof header;
  } catch {
    throw new UsageError(`${where}: the checkpoint header is damaged`);
  }
  if (createHash('sha256').update(data).digest('hex') !== header.sha256)
    throw new UsageError(`${where}: the checkpoint data is damaged (checksum mismatch)`);
  return decode(header.body, data) as unknown as Checkpoint;
}

export function deserializeCheckpoint(buf: Buffer, where = 'checkpoint'): Checkpoint {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC)
    throw new UsageError(`${where}: not an esgrad checkpoint`);
  const format = buf.readUInt32LE(8);
  if (format === 1) return readFormat1(buf, where);
  if (format !== FORMAT)
    throw new UsageError(`${where}: checkpoint format ${format}, this esgrad reads ${FORMAT} and 1`);
  if (buf.length < HEAD || !fileChecksum(buf).equals(buf.subarray(16, HEAD)))
    throw new UsageError(`${where}: the checkpoint is damaged or was edited (checksum mismatch)`);
  const headerEnd = HEAD + buf.readUInt32LE(12);
  const body = JSON.parse(buf.toString('utf8', HEAD, headerEnd)) as Json; // checked: written by esgrad
  return decode(body, buf.subarray(headerEnd + ((8 - (headerEnd % 8)) % 8))) as unknown as Checkpoint;
}

export function writeCheckpoint(dir: string, c: Checkpoint): void {
  writeFileAtomic(join(dir, CHECKPOINT_FILE), serializeCheckpoint(c), true);
}

export function readCheckpoint(dir: string): Checkpoint {
  const path = join(dir, CHECKPOINT_FILE);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new UsageError(
      `--resume ${dir}: no checkpoint there (${CHECKPOINT_FILE}); runs write one with --checkpoint-every k or on Ctrl-C`,
    );
  }
  return deserializeCheckpoint(buf, `--resume ${path}`);
}

/**
 * The records a resumed loop continues after: metrics.jsonl's records before the checkpoint (checked
 * against its sha256), then those a failed write kept out of the file (`unwritten`).
 */
export function loopHistory(dir: string, loop: LoopState): Metrics[] {
  const unwritten = loop.unwritten ?? [];
  return [...readMetricsHistory(dir, loop.iteration - unwritten.length, loop.recordsSha256), ...unwritten];
}

/**
 * The first `count` records of a run's metrics.jsonl (the history a resumed loop continues); a damaged
 * record among them is one UsageError naming the file and line.
 */
export function readMetricsHistory(dir: string, count: number, sha256?: string): Metrics[] {
  const path = join(dir, 'metrics.jsonl');
  let records: { line: number; text: string }[] = [];
  try {
    records = readFileSync(path, 'utf8')
      .split('\n')
      .map((text, i) => ({ line: i + 1, text }))
      .filter((r) => r.text.trim() !== '');
  } catch {
    // reported below
  }
  if (records.length < count)
    throw new UsageError(
      `--resume ${dir}: metrics.jsonl has ${records.length} records, the checkpoint is at iteration ${count}`,
    );
  const history = records.slice(0, count).map(({ line, text }) => {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (e) {
      throw new UsageError(
        `--resume: ${path} line ${line} is damaged (${(e as Error).message}); the checkpoint needs its first ${count} records`,
      );
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record))
      throw new UsageError(
        `--resume: ${path} line ${line} is not a metrics record (a JSON object); the checkpoint needs its first ${count} records`,
      );
    return record as Metrics;
  });
  if (sha256 !== undefined && recordLinesSha256(records.slice(0, count).map((r) => r.text)) !== sha256)
    throw new UsageError(
      `--resume: ${path}: its first ${count} records differ from those the checkpoint was written after (edited?); the checkpoint needs them as they were`,
    );
  return history;
}

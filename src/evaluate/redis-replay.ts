// Replay runs' part of the Redis protocol (RunInfo.replay): per round a small message at esgrad:round
// (θ's sha256 and the previous generation's rewards) instead of θ, and the full ES state on request.
//
// esgrad:round  string  16-byte header as θ's (u32 magic, u32 round, 8 bytes of the run id), u32
//                       generation, u32 generation of the rewards + 1 (0: none), u32 their count,
//                       4 bytes zero, 32 bytes sha256 of θ's float32 bytes, then the rewards float64 LE
//                       (exactly what the master's tell() received, NaN and -0 included).
// esgrad:want   string  "<run id>:<round>": a worker asks for the full state of that round (and pushes
//                       to esgrad:notify to wake the master), which the master GETDELs in its loop.
// esgrad:state  string  16-byte header (another magic, round, run id), u32 JSON length, the JSON
//                       {generation, opt}, zero padding to 8 bytes, then θ (P float32) and the
//                       optimizer state's arrays (as "opt" places them). Deleted at each round's start.
import { createHash } from 'node:crypto';
import type { PlainState } from '../optim/index.ts';

const ROUND_MAGIC = 0x45535231; // "ESR1"
const STATE_MAGIC = 0x45535331; // "ESS1"
export const HEADER_BYTES = 16;
const ROUND_FIXED = 64;
/** A round message's bytes before its rewards: header, generation, and θ's hash. */
export const ROUND_HEAD_BYTES = ROUND_FIXED;

/** sha256 of θ's float32 bytes, hex. */
export function thetaHash(thetaP: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(thetaP.buffer, thetaP.byteOffset, thetaP.byteLength))
    .digest('hex');
}

function header(magic: number, runId: string, round: number, bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  buf.writeUInt32LE(magic, 0);
  buf.writeUInt32LE(round, 4);
  Buffer.from(runId.padEnd(16, '0').slice(0, 16), 'hex').copy(buf, 8);
  return buf;
}

const headerOk = (buf: Buffer, magic: number, runId: string): boolean =>
  buf.length >= HEADER_BYTES &&
  buf.readUInt32LE(0) === magic &&
  buf.subarray(8, 16).toString('hex') === runId.padEnd(16, '0').slice(0, 16);

/** What a replay round publishes. */
export interface RoundMessage {
  readonly round: number;
  readonly generation: number;
  /** thetaHash of θ of this round. */
  readonly hash: string;
  /** The rewards tell() received for the previous generation, when the master evaluated it. */
  readonly prev?: { readonly generation: number; readonly rewardsN: Float64Array };
}

export function encodeRound(runId: string, m: RoundMessage): Buffer {
  const n = m.prev?.rewardsN.length ?? 0;
  const buf = header(ROUND_MAGIC, runId, m.round, ROUND_FIXED + 8 * n);
  buf.writeUInt32LE(m.generation, 16);
  buf.writeUInt32LE(m.prev ? m.prev.generation + 1 : 0, 20);
  buf.writeUInt32LE(n, 24);
  Buffer.from(m.hash, 'hex').copy(buf, 32);
  if (m.prev) Buffer.from(m.prev.rewardsN.buffer, m.prev.rewardsN.byteOffset, 8 * n).copy(buf, ROUND_FIXED);
  return buf;
}

/** Round, generation and hash from the first ROUND_HEAD_BYTES of a round message of `runId`. */
export function decodeRoundHead(head: Buffer | null, runId: string): Omit<RoundMessage, 'prev'> | undefined {
  if (!head || head.length < ROUND_HEAD_BYTES || !headerOk(head, ROUND_MAGIC, runId)) return undefined;
  return {
    round: head.readUInt32LE(4),
    generation: head.readUInt32LE(16),
    hash: head.subarray(32, 64).toString('hex'),
  };
}

/** The round message of `runId` in a stored value, or undefined when it is not one. */
export function decodeRound(buf: Buffer | null, runId: string): RoundMessage | undefined {
  if (!buf || buf.length < ROUND_FIXED || !headerOk(buf, ROUND_MAGIC, runId)) return undefined;
  const n = buf.readUInt32LE(24);
  const prevG = buf.readUInt32LE(20);
  if (buf.length !== ROUND_FIXED + 8 * n || (prevG === 0 && n !== 0)) return undefined;
  const rewardsN = new Float64Array(n);
  Buffer.from(rewardsN.buffer).set(buf.subarray(ROUND_FIXED));
  return {
    round: buf.readUInt32LE(4),
    generation: buf.readUInt32LE(16),
    hash: buf.subarray(32, 64).toString('hex'),
    ...(prevG > 0 ? { prev: { generation: prevG - 1, rewardsN } } : {}),
  };
}

type Json = null | number | string | Json[] | { [k: string]: Json };

function encodeTree(v: PlainState, blobs: Uint8Array[], used: { n: number }): Json {
  if (v instanceof Float32Array || v instanceof Float64Array) {
    const o = used.n;
    blobs.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    used.n += Math.ceil(v.byteLength / 8) * 8;
    return { $a: v instanceof Float32Array ? 'f32' : 'f64', o, n: v.length };
  }
  if (typeof v === 'number')
    return Number.isFinite(v) && !Object.is(v, -0) ? v : { $n: Object.is(v, -0) ? '-0' : String(v) };
  if (Array.isArray(v)) return v.map((x: PlainState) => encodeTree(x, blobs, used));
  return Object.fromEntries(
    Object.entries(v as Record<string, PlainState>).map(([k, x]) => [k, encodeTree(x, blobs, used)]),
  );
}

function decodeTree(j: Json, data: Buffer): PlainState {
  if (Array.isArray(j)) return j.map((x) => decodeTree(x, data));
  if (typeof j === 'number') return j;
  if (j === null || typeof j !== 'object') throw new Error('not a state');
  if (typeof j.$a === 'string' && typeof j.o === 'number' && typeof j.n === 'number') {
    const out = j.$a === 'f32' ? new Float32Array(j.n) : new Float64Array(j.n);
    const bytes = data.subarray(j.o, j.o + out.byteLength);
    if (bytes.length !== out.byteLength) throw new Error('an array runs past the end');
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  if (typeof j.$n === 'string') return j.$n === '-0' ? -0 : Number(j.$n);
  return Object.fromEntries(Object.entries(j).map(([k, x]) => [k, decodeTree(x, data)]));
}

/** The ES state of a round: θ, the optimizer's state and the generation. */
export interface ReplayState {
  readonly generation: number;
  readonly thetaP: Float32Array;
  readonly optState: PlainState;
}

export function encodeState(runId: string, round: number, s: ReplayState): Buffer {
  const blobs: Uint8Array[] = [];
  const used = { n: 0 };
  const theta = encodeTree(s.thetaP, blobs, used);
  const json = Buffer.from(
    JSON.stringify({ generation: s.generation, theta, opt: encodeTree(s.optState, blobs, used) }),
  );
  const start = Math.ceil((HEADER_BYTES + 4 + json.length) / 8) * 8;
  const buf = header(STATE_MAGIC, runId, round, start + used.n);
  buf.writeUInt32LE(json.length, 16);
  json.copy(buf, 20);
  let at = start;
  for (const b of blobs) {
    buf.set(b, at);
    at += Math.ceil(b.byteLength / 8) * 8;
  }
  return buf;
}

/** The round a stored state's header names, or undefined when it is not a state of `runId`. */
export function stateRound(head: Buffer | null, runId: string): number | undefined {
  return head && headerOk(head, STATE_MAGIC, runId) ? head.readUInt32LE(4) : undefined;
}

/** The state of `runId` in a stored value with P parameters, or undefined when it is not one. */
export function decodeState(
  buf: Buffer | null,
  runId: string,
  P: number,
): (ReplayState & { round: number }) | undefined {
  if (!buf || buf.length < HEADER_BYTES + 4 || !headerOk(buf, STATE_MAGIC, runId)) return undefined;
  const n = buf.readUInt32LE(16);
  const start = Math.ceil((HEADER_BYTES + 4 + n) / 8) * 8;
  try {
    const j = JSON.parse(buf.subarray(20, 20 + n).toString('utf8')) as Record<string, Json>;
    const data = buf.subarray(start);
    const thetaP = decodeTree(j.theta!, data);
    if (!(thetaP instanceof Float32Array) || thetaP.length !== P || typeof j.generation !== 'number')
      return undefined;
    return {
      round: buf.readUInt32LE(4),
      generation: j.generation,
      thetaP,
      optState: decodeTree(j.opt!, data),
    };
  } catch {
    return undefined;
  }
}

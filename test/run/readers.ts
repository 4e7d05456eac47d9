// Independent readers of a run's files for the tests: RFC 4180 CSV, and TensorBoard event files
// (TFRecord framing checked with a bitwise CRC32C, Event protobufs decoded from their wire format).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Rows of an RFC 4180 file: quoted fields with doubled quotes, commas and newlines inside. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted || (c !== ',' && c !== '\n' && c !== '\r')) {
      cell += c;
    } else if (c === ',' || c === '\n') {
      row.push(cell);
      cell = '';
      if (c === '\n') {
        rows.push(row);
        row = [];
      }
    }
  }
  assert.equal(cell + row.join(''), '', 'the file ends with a newline');
  return rows;
}

/** CRC32C bit by bit (no table), as the TFRecord format defines it, then masked. */
function maskedCrc(bytes: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  c = ~c >>> 0;
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) % 2 ** 32;
}

/** The records of a TFRecord file, every length and data CRC checked. */
export function tfRecords(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    assert.ok(at + 12 <= buf.length, 'a whole record header');
    const n = Number(buf.readBigUInt64LE(at));
    assert.equal(buf.readUInt32LE(at + 8), maskedCrc(buf.subarray(at, at + 8)), 'length CRC');
    const data = buf.subarray(at + 12, at + 12 + n);
    assert.equal(buf.readUInt32LE(at + 12 + n), maskedCrc(data), 'data CRC');
    out.push(data);
    at += 16 + n;
  }
  return out;
}

type Field = { field: number; varint?: bigint; bytes?: Buffer; fixed?: Buffer };

/** The fields of one protobuf message (wire types 0, 1, 2 and 5). */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[at++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    if (wire === 0) out.push({ field, varint: varint() });
    else if (wire === 2) {
      const n = Number(varint());
      out.push({ field, bytes: buf.subarray(at, at + n) });
      at += n;
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      out.push({ field, fixed: buf.subarray(at, at + n) });
      at += n;
    } else assert.fail(`wire type ${wire}`);
  }
  return out;
}

export interface TbEvent {
  readonly wallTime: number;
  readonly step: number;
  readonly fileVersion?: string;
  readonly scalars: Record<string, number>;
}

/** tensorflow.Event: wall_time (1, double), step (2, int64), file_version (3), summary (5) of values {tag 1, simple_value 2}. */
export function decodeEvent(buf: Buffer): TbEvent {
  let wallTime = Number.NaN;
  let step = 0;
  let fileVersion: string | undefined;
  const scalars: Record<string, number> = {};
  for (const f of fields(buf)) {
    if (f.field === 1) wallTime = f.fixed!.readDoubleLE(0);
    else if (f.field === 2) step = Number(f.varint!);
    else if (f.field === 3) fileVersion = f.bytes!.toString('utf8');
    else if (f.field === 5) {
      for (const v of fields(f.bytes!).filter((x) => x.field === 1)) {
        const parts = fields(v.bytes!);
        const tag = parts.find((p) => p.field === 1)!.bytes!.toString('utf8');
        scalars[tag] = parts.find((p) => p.field === 2)!.fixed!.readFloatLE(0);
      }
    }
  }
  return { wallTime, step, ...(fileVersion === undefined ? {} : { fileVersion }), scalars };
}

/** The events of the one event file in `dir` (its name must contain "tfevents"). */
export function readEventDir(dir: string): TbEvent[] {
  const files = readdirSync(dir).filter((f) => f.includes('tfevents'));
  assert.equal(files.length, 1, `one event file in ${dir}: ${files.join(', ')}`);
  return tfRecords(readFileSync(join(dir, files[0]!))).map(decodeEvent);
}

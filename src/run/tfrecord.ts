// TensorBoard's file format, written by hand: TFRecord framing (length, masked CRC32C, data, masked
// CRC32C) of tensorflow.Event protobufs carrying the file version or scalar summaries.

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78) lookup table. */
const TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The masked CRC of TFRecord files: rotated right by 15 bits plus a constant. */
export const maskedCrc32c = (bytes: Uint8Array): number => {
  const c = crc32c(bytes);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
};

/** One record: uint64 length, masked CRC32C of those 8 bytes, the data, masked CRC32C of the data (little-endian). */
export function tfRecord(data: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(maskedCrc32c(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([head, data, tail]);
}

/** A protobuf varint of a non-negative integer (below 2^53). */
function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
  out.push(n);
  return out;
}

const key = (field: number, wireType: number): number[] => varint(field * 8 + wireType);
const bytesField = (field: number, bytes: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from([...key(field, 2), ...varint(bytes.length)]), bytes]);

function doubleField(field: number, x: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x, 0);
  return Buffer.concat([Buffer.from(key(field, 1)), b]);
}

function floatField(field: number, x: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x, 0);
  return Buffer.concat([Buffer.from(key(field, 5)), b]);
}

export interface Scalar {
  readonly tag: string;
  readonly value: number;
}

/** What an Event carries besides its wall time and step (Event field 3 or 5). */
export type EventBody = { readonly fileVersion: string } | { readonly scalars: readonly Scalar[] };

/**
 * tensorflow.Event { double wall_time = 1; int64 step = 2; oneof { string file_version = 3;
 * Summary summary = 5 } }, Summary { repeated Value value = 1 },
 * Value { string tag = 1; float simple_value = 2 }.
 */
export function encodeEvent(wallTime: number, step: number, body: EventBody): Buffer {
  const parts = [doubleField(1, wallTime), Buffer.from([...key(2, 0), ...varint(step)])];
  if ('fileVersion' in body) parts.push(bytesField(3, Buffer.from(body.fileVersion)));
  else {
    const values = body.scalars.map((s) =>
      bytesField(1, Buffer.concat([bytesField(1, Buffer.from(s.tag)), floatField(2, s.value)])),
    );
    parts.push(bytesField(5, Buffer.concat(values)));
  }
  return Buffer.concat(parts);
}

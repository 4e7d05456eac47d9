// θ as a safetensors file (one F32 tensor per ParamLayout slice, in layout order, so the data section
// is θ's bytes) and back; the format: u64 LE header length, the JSON header, then the tensors' bytes.
import type { ParamLayout } from './architecture.ts';

/** Free-form string pairs stored under the header's "__metadata__" key. */
export type SafetensorsMetadata = Readonly<Record<string, string>>;

/** One tensor as read from a file. */
export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte range in the data section, [begin, end). */
  readonly dataOffsets: readonly [number, number];
}

/**
 * The safetensors bytes of θ: a header whose JSON is padded with spaces so the data starts on an
 * 8-byte boundary (as the reference writer does), then θ's little-endian float32 values.
 */
export function encodeSafetensors(
  layout: ParamLayout,
  thetaP: Float32Array,
  metadata: SafetensorsMetadata = {},
): Uint8Array {
  if (thetaP.length !== layout.size)
    throw new Error(`encodeSafetensors: θ has ${thetaP.length} values, the layout ${layout.size}`);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  for (const s of layout.slices)
    header[s.name] = {
      dtype: 'F32',
      shape: [...s.shape],
      data_offsets: [4 * s.offset, 4 * (s.offset + s.size)],
    };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + 4 * thetaP.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.fill(0x20, 8, 8 + headerLength);
  out.set(json, 8);
  const data = new DataView(out.buffer, 8 + headerLength);
  for (let i = 0; i < thetaP.length; i++) data.setFloat32(4 * i, thetaP[i]!, true);
  return out;
}

/** The header of a safetensors file: its tensors (in data order) and metadata; throws on a malformed file. */
export function readSafetensorsHeader(bytes: Uint8Array): {
  readonly tensors: readonly SafetensorsTensor[];
  readonly metadata: SafetensorsMetadata;
  readonly dataStart: number;
} {
  if (bytes.length < 8) throw new Error('not a safetensors file (shorter than 8 bytes)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength < 2 || 8 + headerLength > bytes.length)
    throw new Error(`not a safetensors file (header length ${headerLength})`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as typeof header;
  } catch {
    throw new Error('not a safetensors file (the header is not JSON)');
  }
  const { __metadata__: metadata, ...entries } = header;
  const tensors = Object.entries(entries).map(([name, v]) => {
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const offsets = t.data_offsets as [number, number];
    if (typeof t.dtype !== 'string' || !Array.isArray(t.shape) || !Array.isArray(offsets))
      throw new Error(`safetensors tensor '${name}' lacks dtype, shape or data_offsets`);
    return { name, dtype: t.dtype, shape: t.shape as number[], dataOffsets: offsets };
  });
  tensors.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0]);
  return { tensors, metadata: (metadata ?? {}) as SafetensorsMetadata, dataStart: 8 + headerLength };
}

/**
 * θ from a safetensors file written for `layout`: every slice must be there as F32 with its shape
 * (extra tensors are an error too); `where` names the file in messages.
 */
export function thetaFromSafetensors(
  bytes: Uint8Array,
  layout: ParamLayout,
  where = 'safetensors',
): { readonly thetaP: Float32Array; readonly metadata: SafetensorsMetadata } {
  const { tensors, metadata, dataStart } = readSafetensorsHeader(bytes);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  if (tensors.length !== layout.slices.length)
    throw new Error(`${where}: ${tensors.length} tensors, the model has ${layout.slices.length}`);
  const thetaP = new Float32Array(layout.size);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, bytes.byteLength - dataStart);
  for (const s of layout.slices) {
    const t = byName.get(s.name);
    if (!t) throw new Error(`${where}: no tensor '${s.name}'`);
    if (t.dtype !== 'F32' || t.shape.join(',') !== s.shape.join(','))
      throw new Error(
        `${where}: '${s.name}' is ${t.dtype} ${JSON.stringify(t.shape)}, not F32 ${JSON.stringify(s.shape)}`,
      );
    const [begin, end] = t.dataOffsets;
    if (end - begin !== 4 * s.size || end > view.byteLength)
      throw new Error(`${where}: '${s.name}' has bytes ${begin}..${end}, not ${4 * s.size} within the file`);
    for (let i = 0; i < s.size; i++) thetaP[s.offset + i] = view.getFloat32(begin + 4 * i, true);
  }
  return { thetaP, metadata };
}

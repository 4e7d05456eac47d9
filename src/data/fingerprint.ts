// A split's fingerprint: sha256 over its sizes, image floats and labels, so two processes (a Redis
// master and its workers, a run and its resume) can check they train on the same data.

import { createHash } from 'node:crypto';
import type { Split } from './types.ts';

function bytesOf(a: Float32Array | Int32Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * sha256 (hex) of: count, channels, rows, cols as four little-endian uint32, then the images as float32
 * bytes, then the labels as int32 bytes (platform byte order: little-endian on every Node platform).
 */
export function dataFingerprint(split: Split): string {
  const header = new Uint8Array(16);
  const view = new DataView(header.buffer);
  const sizes = [split.count, split.channels, split.rows, split.cols];
  for (const [k, v] of sizes.entries()) view.setUint32(4 * k, v, true);
  return createHash('sha256')
    .update(header)
    .update(bytesOf(split.imagesNxHxW))
    .update(bytesOf(split.labelsN))
    .digest('hex');
}

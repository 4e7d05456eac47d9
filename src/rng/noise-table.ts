// The shared noise table: standard-normal float32 values that are a pure function of (seed, index),
// identical in every process, so workers and master exchange noise offsets instead of noise vectors.

import { UsageError } from '../types.ts';
import { createRng, hashSeed } from './prng.ts';

/**
 * Default table length: 2**25 floats = 128 MiB, generated in well under a second.
 * - It must be >= P (a window table[o, o + P) is one perturbation). For the paper's cnn-3m,
 *   P = 3,274,634, this leaves 2**25 - P + 1 = 30,279,798 distinct offsets (cnn-29k: 33,525,495).
 * - Overlapping windows are fine: two windows at different offsets share values only at shifted
 *   positions, so E[eps_i * eps_j] = 0 elementwise, as for independent draws.
 * - With 5,000 mirrored pairs per generation (N = 10,000) about 0.4 offset collisions are expected
 *   per generation (a repeated direction, harmless). OpenAI's starter uses 250M floats (1 GB); a
 *   quarter of that fits a laptop.
 */
export const DEFAULT_NOISE_TABLE_SIZE = 2 ** 25;

/**
 * Values are generated in independent blocks of this many floats, block b from its own stream
 * createRng(hashSeed(seed, NOISE_STREAM, b)). So a table is a prefix of any longer table with the
 * same seed, and blocks could be generated in parallel without changing a bit.
 */
export const NOISE_BLOCK_SIZE = 1 << 16;
const NOISE_STREAM = 0x4e015e;

/** Throws a UsageError unless a table of `tableSize` floats can hold a P-parameter perturbation. */
export function checkNoiseTableSize(tableSize: number, paramCount: number): void {
  if (!Number.isSafeInteger(tableSize) || tableSize < paramCount) {
    throw new UsageError(
      `noise table too small: noiseTableSize = ${tableSize} but the model has P = ${paramCount} parameters; ` +
        `need noiseTableSize >= ${paramCount}`,
    );
  }
}

/**
 * Creates a table of `size` standard-normal float32 values for `seed`, written into `buffer` when one
 * is given (>= 4*size bytes; a SharedArrayBuffer lets worker threads share one copy), else into a
 * fresh ArrayBuffer. onnxruntime-node rejects tensors over a SharedArrayBuffer ("Invalid argument"),
 * so a table fed to ONNX Runtime as zero-copy views must live in a plain ArrayBuffer.
 *
 * Method: xoshiro128** (as in prng.ts, inlined) + Marsaglia's polar method, both values of each
 * accepted pair kept. Uniforms are (u32 + 0.5) / 2^31 - 1 (never 0, so s > 0). Only +, *, /, sqrt
 * (correctly rounded) and Math.log (V8's fdlibm port, the same on every platform) are used; no
 * sin/cos, whose V8 implementation is build-dependent. Measured 0.35-0.65 s for 2**25 floats on one
 * core of the 2-core development machine (including allocating the buffer).
 */
export function createNoiseTable(seed: number, size: number, buffer?: ArrayBufferLike): Float32Array {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new UsageError(`noiseTableSize: got ${size}; must be a positive integer`);
  }
  if (buffer !== undefined && buffer.byteLength < size * 4) {
    throw new UsageError(
      `noise table buffer too small: ${buffer.byteLength} bytes for ${size} floats (need ${size * 4})`,
    );
  }
  const tableS = new Float32Array(buffer ?? new ArrayBuffer(size * 4), 0, size);
  for (let start = 0; start < size; start += NOISE_BLOCK_SIZE) {
    fillBlock(
      tableS,
      hashSeed(seed, NOISE_STREAM, start / NOISE_BLOCK_SIZE),
      start,
      Math.min(size, start + NOISE_BLOCK_SIZE),
    );
  }
  return tableS;
}

/** Fills out[start, end) from the stream seeded by blockSeed (inlined xoshiro128** for speed). */
function fillBlock(out: Float32Array, blockSeed: number, start: number, end: number): void {
  const { s } = createRng(blockSeed);
  let s0 = s[0]!,
    s1 = s[1]!,
    s2 = s[2]!,
    s3 = s[3]!;
  const scale = 1 / 2147483648;
  let i = start;
  while (i < end) {
    let x = Math.imul(s1, 5);
    let r = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    let t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const u = (r + 0.5) * scale - 1;
    x = Math.imul(s1, 5);
    r = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const v = (r + 0.5) * scale - 1;
    const q = u * u + v * v;
    if (q >= 1) continue;
    const m = Math.sqrt((-2 * Math.log(q)) / q);
    out[i++] = u * m;
    if (i < end) out[i++] = v * m;
  }
}

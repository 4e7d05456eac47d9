// Seeded pseudo-random numbers: xoshiro128** seeded through splitmix32, plus seed hashing so that
// any stream (the mini-batch of iteration t, the offsets of generation g) is a pure function of ints.

/** Generator state (4 x uint32). Mutated in place by the draw functions; copy it to snapshot. */
export interface Rng {
  readonly s: Uint32Array;
}

function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Mixes any number of integers (e.g. seed, stream id, iteration) into one 32-bit seed. */
export function hashSeed(...parts: number[]): number {
  let h = 0x6a09e667;
  for (const p of parts) {
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    h = splitmix32(h ^ lo);
    h = splitmix32(h ^ hi);
  }
  return h;
}

export function createRng(seed: number): Rng {
  const s = new Uint32Array(4);
  let x = hashSeed(seed);
  for (let i = 0; i < 4; i++) {
    x = splitmix32(x + i);
    s[i] = x;
  }
  if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1;
  return { s };
}

/** Next uint32 (xoshiro128**). */
export function nextU32(rng: Rng): number {
  const s = rng.s;
  const s0 = s[0]!,
    s1 = s[1]!,
    s2 = s[2]!,
    s3 = s[3]!;
  const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  const n2 = s2 ^ s0,
    n3 = s3 ^ s1;
  s[1] = s1 ^ n2;
  s[0] = s0 ^ n3;
  s[2] = n2 ^ t;
  s[3] = rotl(n3, 11);
  return r;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Uniform in [0, 1) with 53 random bits. */
export function nextFloat(rng: Rng): number {
  const hi = nextU32(rng) >>> 5,
    lo = nextU32(rng) >>> 6;
  return (hi * 67108864 + lo) / 9007199254740992;
}

/** Uniform integer in [0, n), n <= 2^32, without modulo bias. */
export function nextInt(rng: Rng, n: number): number {
  if (n <= 0) throw new RangeError(`nextInt: n must be positive, got ${n}`);
  return Math.floor(nextFloat(rng) * n);
}

/** Standard normal by Box-Muller (one value per call; deterministic). */
export function nextNormal(rng: Rng): number {
  let u = nextFloat(rng);
  while (u <= 0) u = nextFloat(rng);
  const v = nextFloat(rng);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** In-place Fisher-Yates shuffle of an index array. */
export function shuffleInPlace(rng: Rng, a: Int32Array | Uint32Array): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = nextInt(rng, i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

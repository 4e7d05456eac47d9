// Float64 complex FFT kernels for the FFT aggregation (spectral.ts): radix-4 Stockham
// autosort on split re/im arrays, `s` interleaved transforms at once (rows: s = 1; column blocks: s > 1).

/** cos / sin of 2*pi*j/n for j < n (n a power of two): the twiddle table of every transform of length <= n. */
export interface Twiddles {
  readonly n: number;
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

export function makeTwiddles(n: number): Twiddles {
  const cos = new Float64Array(n),
    sin = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    // exact symmetries keep cos/sin of multiples of pi/2 exactly 0 / +-1
    const a = (2 * Math.PI * j) / n;
    cos[j] = Math.cos(a);
    sin[j] = Math.sin(a);
  }
  const q = n >> 2;
  if (q > 0)
    for (let j = 0; j < n; j += q) {
      cos[j] = [1, 0, -1, 0][j / q]!;
      sin[j] = [0, 1, 0, -1][j / q]!;
    }
  return { n, cos, sin };
}

/**
 * `s` interleaved DFTs of length n (a power of two <= tw.n): element k of transform q is at q + s*k.
 * dir = -1: X[k] = sum_j x[j] e^{-2 pi i jk/n} (forward); dir = +1: the unscaled inverse.
 * The data start in (ar, ai); br, bi are scratch of the same length (>= n*s). Returns true when the
 * result ended in (br, bi), false when it is in (ar, ai).
 */
export function fftStockham(
  n: number,
  s: number,
  dir: number,
  ar: Float64Array,
  ai: Float64Array,
  br: Float64Array,
  bi: Float64Array,
  tw: Twiddles,
): boolean {
  let xr = ar,
    xi = ai,
    yr = br,
    yi = bi,
    inB = false;
  let len = n,
    str = s;
  const tc = tw.cos,
    ts = tw.sin;
  while (len >= 4) {
    const n1 = len >> 2,
      step = tw.n / len;
    for (let p = 0; p < n1; p++) {
      const t1 = p * step;
      const w1r = tc[t1]!,
        w1i = dir * ts[t1]!;
      const w2r = tc[2 * t1]!,
        w2i = dir * ts[2 * t1]!;
      const t3 = 3 * t1;
      const w3r = tc[t3]!,
        w3i = dir * ts[t3]!;
      const ia = str * p,
        ib = ia + str * n1,
        ic = ib + str * n1,
        id = ic + str * n1;
      const o0 = 4 * str * p,
        o1 = o0 + str,
        o2 = o1 + str,
        o3 = o2 + str;
      for (let q = 0; q < str; q++) {
        const ar_ = xr[ia + q]!,
          ai_ = xi[ia + q]!;
        const br_ = xr[ib + q]!,
          bi_ = xi[ib + q]!;
        const cr = xr[ic + q]!,
          ci = xi[ic + q]!;
        const dr = xr[id + q]!,
          di = xi[id + q]!;
        const apcr = ar_ + cr,
          apci = ai_ + ci,
          amcr = ar_ - cr,
          amci = ai_ - ci;
        const bpdr = br_ + dr,
          bpdi = bi_ + di;
        const tr = -dir * (bi_ - di),
          ti = dir * (br_ - dr);
        yr[o0 + q] = apcr + bpdr;
        yi[o0 + q] = apci + bpdi;
        const u1r = amcr + tr,
          u1i = amci + ti;
        yr[o1 + q] = w1r * u1r - w1i * u1i;
        yi[o1 + q] = w1r * u1i + w1i * u1r;
        const u2r = apcr - bpdr,
          u2i = apci - bpdi;
        yr[o2 + q] = w2r * u2r - w2i * u2i;
        yi[o2 + q] = w2r * u2i + w2i * u2r;
        const u3r = amcr - tr,
          u3i = amci - ti;
        yr[o3 + q] = w3r * u3r - w3i * u3i;
        yi[o3 + q] = w3r * u3i + w3i * u3r;
      }
    }
    const tr = xr,
      ti = xi;
    xr = yr;
    xi = yi;
    yr = tr;
    yi = ti;
    inB = !inB;
    len = n1;
    str <<= 2;
  }
  if (len === 2) {
    for (let q = 0; q < str; q++) {
      const a_r = xr[q]!,
        a_i = xi[q]!,
        b_r = xr[q + str]!,
        b_i = xi[q + str]!;
      xr[q] = a_r + b_r;
      xi[q] = a_i + b_i;
      xr[q + str] = a_r - b_r;
      xi[q + str] = a_i - b_i;
    }
  }
  return inB;
}

/**
 * e^{-2 pi i e / n} for 0 <= e < n from two small tables (n a power of two): e = hi * 2^b + lo,
 * w = H[hi] * W[lo], so each value costs one complex product and is accurate to a few ulps.
 */
export interface TwoLevel {
  readonly n: number;
  readonly bits: number;
  readonly loCos: Float64Array;
  readonly loSin: Float64Array;
  readonly hiCos: Float64Array;
  readonly hiSin: Float64Array;
}

export function makeTwoLevel(n: number): TwoLevel {
  const log2 = Math.round(Math.log2(n));
  const bits = Math.ceil(log2 / 2);
  const lo = 1 << bits,
    hi = Math.max(1, n / lo);
  const loCos = new Float64Array(lo),
    loSin = new Float64Array(lo),
    hiCos = new Float64Array(hi),
    hiSin = new Float64Array(hi);
  for (let j = 0; j < lo; j++) {
    loCos[j] = Math.cos((2 * Math.PI * j) / n);
    loSin[j] = -Math.sin((2 * Math.PI * j) / n);
  }
  for (let j = 0; j < hi; j++) {
    hiCos[j] = Math.cos((2 * Math.PI * j * lo) / n);
    hiSin[j] = -Math.sin((2 * Math.PI * j * lo) / n);
  }
  return { n, bits, loCos, loSin, hiCos, hiSin };
}

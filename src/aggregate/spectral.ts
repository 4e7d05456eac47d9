// The FFT aggregation's work units: g = correlation of the table with the sparse train of weights,
// one precomputed spectrum per table, a four-step (rows x columns) FFT split into units for threads.
//
// Notation. Lf = FFT length (power of two >= table length; the table is zero-padded), M = Lf/2 complex
// points: a real signal x of length Lf is packed as z[n] = x[2n] + i x[2n+1]. M = M1 * M2; complex
// index n = M2*n1 + n2 (time), k = k1 + M1*k2 (frequency). Spectra are stored row-major by k1:
// position k1*M2 + k2. Forward DFT uses e^{-2 pi i/M}.
//   Z[k1 + M1 k2] = sum_n2 e^{-2pi i n2 k2/M2} [ sum_n1 z[M2 n1 + n2] e^{-2pi i (M2 n1 + n2) k1/M} ]
// With S the spike train (S[o_i] += w_i) and T the table, the correlation g[j] = sum_m S[m] T[m+j]
// has spectrum G[k] = conj(S^[k]) T^[k]; packed, Zg[k] = a_k conj(Zs[k]) + b_k Zs[M-k] with a, b
// precomputed from T^ once per table (1/M and the packing factors folded in), so per aggregation:
// sparse rows (K spikes x M1 twiddles), forward row FFTs, a*conj+b product, inverse row FFTs,
// twiddle, inverse column FFTs of which only the first ceil(P/2/M2) outputs are kept.

import { fftStockham, makeTwiddles, makeTwoLevel, type Twiddles, type TwoLevel } from './fft.ts';
import { type WasmFft, wasmFft } from './wasm-fft.ts';

export interface SpectralLayout {
  readonly Lf: number;
  readonly M: number;
  readonly M1: number;
  readonly M2: number;
  /** Columns per column unit. */
  readonly CB: number;
}

/** Rows of <= 2^14 complex doubles (256 KiB; a row pair + scratch fits the 2 MiB L2). */
export function spectralLayout(tableLength: number, maxLog2M2 = 14, maxCB = 16): SpectralLayout {
  const log2Lf = Math.max(4, Math.ceil(Math.log2(tableLength)));
  const log2M = log2Lf - 1;
  const log2M2 = Math.min(maxLog2M2, log2M - 1);
  const M = 2 ** log2M,
    M2 = 2 ** log2M2,
    M1 = M / M2;
  return { Lf: 2 * M, M, M1, M2, CB: Math.min(maxCB, M2) };
}

/** Units of the row phases: unit 0 = rows 0 and M1/2 (each its own partner), unit u = rows u, M1-u. */
export const rowUnits = (l: SpectralLayout): number => l.M1 / 2;
export const columnUnits = (l: SpectralLayout): number => l.M2 / l.CB;

/** The shared arrays of one table's plan (all may live in SharedArrayBuffers). */
export interface SpectralBuffers {
  readonly layout: SpectralLayout;
  /** Per-table: 4 doubles per k (a_re, a_im, b_re, b_im) at position k1*M2 + k2. */
  readonly coef: Float64Array;
  /** M complex scratch: the table's packed spectrum during setup, then the rows R per aggregation. */
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/** Per-thread scratch and tables (not shared). */
export class SpectralScratch {
  readonly tw: Twiddles;
  readonly twM: TwoLevel;
  readonly twLf: TwoLevel;
  /** [xr, xi, yr, yi]: two complex work arrays (views of the WASM FFT's memory when it is used). */
  readonly bufs: Float64Array[];
  readonly wasm: WasmFft | undefined;
  constructor(
    readonly layout: SpectralLayout,
    useWasm = true,
  ) {
    const { M, M1, M2, CB, Lf } = layout;
    this.tw = makeTwiddles(Math.max(M1, M2));
    this.twM = makeTwoLevel(M);
    this.twLf = makeTwoLevel(Lf);
    const len = Math.max(2 * M2, M1 * CB);
    this.wasm = useWasm ? wasmFft(len, this.tw) : undefined;
    this.bufs = this.wasm?.bufs ?? Array.from({ length: 4 }, () => new Float64Array(len));
  }
}

/** The spikes of one aggregation: complex index n = o >> 1 and packed value z = w (o even) or i w (o odd). */
export interface Spikes {
  readonly count: number;
  readonly n: Int32Array;
  readonly zr: Float64Array;
  readonly zi: Float64Array;
}

/** fftStockham (WASM when the scratch has it and s is even) on a pair of the scratch's arrays; the result as [re, im]. */
function fft(
  sc: SpectralScratch,
  n: number,
  s: number,
  dir: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): [Float64Array, Float64Array] {
  const inY =
    sc.wasm && s % 2 === 0 ? sc.wasm.run(n, s, dir, xr) : fftStockham(n, s, dir, xr, xi, yr, yi, sc.tw);
  return inY ? [yr, yi] : [xr, xi];
}

// ---------------------------------------------------------------------------------------------
// Setup: the table's packed spectrum Zt (in buffers re/im), then the coefficients a, b.

/** Setup unit c: columns [c*CB, c*CB + CB): length-M1 FFTs over n1, twiddle, stored into rows k1. */
export function setupColumnUnit(
  b: SpectralBuffers,
  sc: SpectralScratch,
  table: Float32Array,
  c: number,
): void {
  const { M1, M2, CB, M } = b.layout;
  const [xr, xi, yr, yi] = sc.bufs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const L = table.length,
    c0 = c * CB;
  for (let n1 = 0; n1 < M1; n1++) {
    for (let q = 0; q < CB; q++) {
      const t = 2 * (M2 * n1 + c0 + q);
      xr[n1 * CB + q] = t < L ? table[t]! : 0;
      xi[n1 * CB + q] = t + 1 < L ? table[t + 1]! : 0;
    }
  }
  const [rr, ri] = fft(sc, M1, CB, -1, xr, xi, yr, yi);
  const { loCos, loSin, hiCos, hiSin, bits } = sc.twM;
  const mask = (1 << bits) - 1;
  for (let k1 = 0; k1 < M1; k1++) {
    for (let q = 0; q < CB; q++) {
      const e = ((c0 + q) * k1) & (M - 1);
      const h = e >>> bits,
        l = e & mask;
      const wr = hiCos[h]! * loCos[l]! - hiSin[h]! * loSin[l]!,
        wi = hiCos[h]! * loSin[l]! + hiSin[h]! * loCos[l]!;
      const vr = rr[k1 * CB + q]!,
        vi = ri[k1 * CB + q]!;
      b.re[k1 * M2 + c0 + q] = vr * wr - vi * wi;
      b.im[k1 * M2 + c0 + q] = vr * wi + vi * wr;
    }
  }
}

/** The two rows of unit u, processed together as the two lanes of stride-2 transforms. */
function unitRows(l: SpectralLayout, u: number): [number, number] {
  return u === 0 ? [0, l.M1 / 2] : [u, l.M1 - u];
}

/** Setup unit: forward FFT of the unit's two rows in place. */
export function setupRowUnit(b: SpectralBuffers, sc: SpectralScratch, u: number): void {
  const { M2 } = b.layout;
  const [ka, kb] = unitRows(b.layout, u);
  const [xr, xi, yr, yi] = sc.bufs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const re = b.re,
    im = b.im,
    pa = ka * M2,
    pb = kb * M2;
  for (let k2 = 0; k2 < M2; k2++) {
    xr[2 * k2] = re[pa + k2]!;
    xi[2 * k2] = im[pa + k2]!;
    xr[2 * k2 + 1] = re[pb + k2]!;
    xi[2 * k2 + 1] = im[pb + k2]!;
  }
  const [rr, ri] = fft(sc, M2, 2, -1, xr, xi, yr, yi);
  for (let k2 = 0; k2 < M2; k2++) {
    re[pa + k2] = rr[2 * k2]!;
    im[pa + k2] = ri[2 * k2]!;
    re[pb + k2] = rr[2 * k2 + 1]!;
    im[pb + k2] = ri[2 * k2 + 1]!;
  }
}

/** Position (k1*M2 + k2) of frequency M - k for the k at row k1, column k2 (k = k1 + M1 k2, mod M). */
function mirror(l: SpectralLayout, k1: number, k2: number): number {
  const { M1, M2 } = l;
  if (k1 === 0) return k2 === 0 ? 0 : M2 - k2;
  return (M1 - k1) * M2 + (M2 - 1 - k2);
}

/**
 * Setup unit: a_k, b_k for the rows of unit u from the packed table spectrum Zt. With w = e^{-2pi i k/Lf}:
 * alpha_k = (1 - i w^k)/2, beta_k = (1 + i w^k)/2 unpack T^[k] = alpha_k Zt[k] + beta_k conj Zt[M-k];
 * gamma_k = (1 + i w^-k)/2, delta_k = (1 - i w^-k)/2 pack Zg[k] = gamma_k G[k] + delta_k conj G[M-k];
 * a_k = (gamma_k T^_k conj alpha_k + delta_k conj T^_{M-k} beta_{M-k}) / M,
 * b_k = (gamma_k T^_k conj beta_k + delta_k conj T^_{M-k} alpha_{M-k}) / M.
 */
export function setupCoefUnit(b: SpectralBuffers, sc: SpectralScratch, u: number): void {
  const { M1, M2, M, Lf } = b.layout;
  const { loCos, loSin, hiCos, hiSin, bits } = sc.twLf;
  const mask = (1 << bits) - 1;
  const re = b.re,
    im = b.im,
    coef = b.coef;
  for (const k1 of u === 0 ? [0, M1 / 2] : [u, M1 - u]) {
    for (let k2 = 0; k2 < M2; k2++) {
      const k = k1 + M1 * k2,
        p = k1 * M2 + k2,
        pm = mirror(b.layout, k1, k2);
      // w^k = e^{-2 pi i k / Lf} (k < M = Lf/2)
      const h = k >>> bits,
        l = k & mask;
      const wr = hiCos[h]! * loCos[l]! - hiSin[h]! * loSin[l]!,
        wi = hiCos[h]! * loSin[l]! + hiSin[h]! * loCos[l]!;
      // T^[k] = alpha_k u + beta_k conj v,  T^[M-k] = alpha_{M-k} v + beta_{M-k} conj u, with w^{M-k} = -conj(w^k)
      const ur = re[p]!,
        ui = im[p]!,
        vr = re[pm]!,
        vi = im[pm]!;
      // i w = (-wi, wr); alpha = (1 + wi, -wr)/2, beta = (1 - wi, wr)/2
      const alr = (1 + wi) / 2,
        ali = -wr / 2,
        ber = (1 - wi) / 2,
        bei = wr / 2;
      // w^{M-k} = (-wr, wi): alpha_{M-k} = conj(alpha_k), beta_{M-k} = conj(beta_k)
      const amr = alr,
        ami = -ali,
        bmr = ber,
        bmi = -bei;
      const tkr = alr * ur - ali * ui + ber * vr + bei * vi,
        tki = alr * ui + ali * ur + bei * vr - ber * vi;
      const tmr = amr * vr - ami * vi + bmr * ur + bmi * ui,
        tmi = amr * vi + ami * vr + bmi * ur - bmr * ui;
      // w^-k = (wr, -wi): i w^-k = (wi, wr); gamma = (1 + wi, wr)/2, delta = (1 - wi, -wr)/2
      const gr = (1 + wi) / 2,
        gi = wr / 2,
        dr = (1 - wi) / 2,
        di = -wr / 2;
      // gT = gamma * T^_k, dT = delta * conj T^_{M-k}
      const gTr = gr * tkr - gi * tki,
        gTi = gr * tki + gi * tkr;
      const dTr = dr * tmr + di * tmi,
        dTi = di * tmr - dr * tmi;
      // a = gT conj(alpha) + dT betaM ; b = gT conj(beta) + dT alphaM
      const ar = gTr * alr + gTi * ali + dTr * bmr - dTi * bmi,
        ai = gTi * alr - gTr * ali + dTr * bmi + dTi * bmr;
      const br = gTr * ber + gTi * bei + dTr * amr - dTi * ami,
        bi = gTi * ber - gTr * bei + dTr * ami + dTi * amr;
      coef[4 * p] = ar / M;
      coef[4 * p + 1] = ai / M;
      coef[4 * p + 2] = br / M;
      coef[4 * p + 3] = bi / M;
    }
  }
  void Lf;
}

// ---------------------------------------------------------------------------------------------
// Per aggregation: row units (into b.re / b.im as R), then column units (into the output).

/** Rows ka (lane 0) and kb (lane 1) of the spike train's packed spectrum Zs, interleaved. */
function spikeRows(
  b: SpectralBuffers,
  sc: SpectralScratch,
  sp: Spikes,
  ka: number,
  kb: number,
): [Float64Array, Float64Array] {
  const { M, M2 } = b.layout;
  const [xr, xi, yr, yi] = sc.bufs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const { loCos, loSin, hiCos, hiSin, bits } = sc.twM;
  const mask = (1 << bits) - 1,
    mM = M - 1,
    m2 = M2 - 1;
  xr.fill(0, 0, 2 * M2);
  xi.fill(0, 0, 2 * M2);
  const ns = sp.n,
    zrs = sp.zr,
    zis = sp.zi;
  for (let s = 0; s < sp.count; s++) {
    const n = ns[s]!,
      zr = zrs[s]!,
      zi = zis[s]!,
      p = 2 * (n & m2);
    let e = Math.imul(n, ka) & mM,
      h = e >>> bits,
      l = e & mask;
    let wr = hiCos[h]! * loCos[l]! - hiSin[h]! * loSin[l]!,
      wi = hiCos[h]! * loSin[l]! + hiSin[h]! * loCos[l]!;
    xr[p] = xr[p]! + zr * wr - zi * wi;
    xi[p] = xi[p]! + zr * wi + zi * wr;
    e = Math.imul(n, kb) & mM;
    h = e >>> bits;
    l = e & mask;
    wr = hiCos[h]! * loCos[l]! - hiSin[h]! * loSin[l]!;
    wi = hiCos[h]! * loSin[l]! + hiSin[h]! * loCos[l]!;
    xr[p + 1] = xr[p + 1]! + zr * wr - zi * wi;
    xi[p + 1] = xi[p + 1]! + zr * wi + zi * wr;
  }
  return fft(sc, M2, 2, -1, xr, xi, yr, yi);
}

/** Inverse FFT of the interleaved rows of Zg, twiddle e^{+2pi i n2 k1/M}, store as rows ka, kb of R. */
function finishRows(
  b: SpectralBuffers,
  sc: SpectralScratch,
  ka: number,
  kb: number,
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
): void {
  const { M, M2 } = b.layout;
  const [rr, ri] = fft(sc, M2, 2, 1, xr, xi, yr, yi);
  const { loCos, loSin, hiCos, hiSin, bits } = sc.twM;
  const mask = (1 << bits) - 1,
    mM = M - 1;
  const re = b.re,
    im = b.im;
  for (let lane = 0; lane < 2; lane++) {
    const k1 = lane === 0 ? ka : kb,
      base = k1 * M2;
    for (let n2 = 0; n2 < M2; n2++) {
      const e = Math.imul(n2, k1) & mM;
      const h = e >>> bits,
        l = e & mask;
      const wr = hiCos[h]! * loCos[l]! - hiSin[h]! * loSin[l]!,
        wi = -(hiCos[h]! * loSin[l]! + hiSin[h]! * loCos[l]!);
      const vr = rr[2 * n2 + lane]!,
        vi = ri[2 * n2 + lane]!;
      re[base + n2] = vr * wr - vi * wi;
      im[base + n2] = vr * wi + vi * wr;
    }
  }
}

/**
 * Zg = a conj(U) + b V for both lanes, U the lane's own value at k2, V the value at frequency M - k:
 * unit 0: each row its own mirror (row 0 at (M2 - k2) mod M2, row M1/2 at M2-1-k2); else the other
 * row at M2-1-k2.
 */
function productRows(
  coef: Float64Array,
  ka: number,
  kb: number,
  M2: number,
  self: boolean,
  zr: Float64Array,
  zi: Float64Array,
  or: Float64Array,
  oi: Float64Array,
): void {
  const ca = ka * M2,
    cb = kb * M2;
  for (let k2 = 0; k2 < M2; k2++) {
    const m = M2 - 1 - k2;
    const va = 2 * (self ? (k2 === 0 ? 0 : M2 - k2) : m) + (self ? 0 : 1),
      vb = 2 * m + (self ? 1 : 0);
    let c = 4 * (ca + k2);
    let ar = coef[c]!,
      ai = coef[c + 1]!,
      br = coef[c + 2]!,
      bi = coef[c + 3]!;
    let xr = zr[2 * k2]!,
      xi = zi[2 * k2]!,
      yr = zr[va]!,
      yi = zi[va]!;
    or[2 * k2] = ar * xr + ai * xi + br * yr - bi * yi;
    oi[2 * k2] = ai * xr - ar * xi + br * yi + bi * yr;
    c = 4 * (cb + k2);
    ar = coef[c]!;
    ai = coef[c + 1]!;
    br = coef[c + 2]!;
    bi = coef[c + 3]!;
    xr = zr[2 * k2 + 1]!;
    xi = zi[2 * k2 + 1]!;
    yr = zr[vb]!;
    yi = zi[vb]!;
    or[2 * k2 + 1] = ar * xr + ai * xi + br * yr - bi * yi;
    oi[2 * k2 + 1] = ai * xr - ar * xi + br * yi + bi * yr;
  }
}

/** Row unit u of one aggregation: rows u and M1-u (u = 0: rows 0 and M1/2, each its own mirror). */
export function aggregateRowUnit(b: SpectralBuffers, sc: SpectralScratch, sp: Spikes, u: number): void {
  const [ka, kb] = unitRows(b.layout, u);
  const [zr, zi] = spikeRows(b, sc, sp, ka, kb);
  const [x0, x1, x2, x3] = sc.bufs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const or = zr === x0 ? x2 : x0,
    oi = zr === x0 ? x3 : x1;
  productRows(b.coef, ka, kb, b.layout.M2, u === 0, zr, zi, or, oi);
  finishRows(b, sc, ka, kb, or, oi, zr, zi);
}

/**
 * Column unit c: inverse length-M1 FFTs of columns [c*CB, c*CB + CB) of R; writes g[2n], g[2n+1]
 * for the complex outputs n = M2*n1 + n2 with 2n < P (only the first ceil(P/2/M2) values of n1).
 */
export function aggregateColumnUnit(
  b: SpectralBuffers,
  sc: SpectralScratch,
  c: number,
  outP: Float32Array,
): void {
  const { M1, M2, CB } = b.layout;
  const P = outP.length,
    c0 = c * CB;
  const n1max = Math.min(M1, Math.ceil(P / 2 / M2));
  if (n1max === 0 || (c0 * 2 >= P && n1max === 1)) return;
  const [xr, xi, yr, yi] = sc.bufs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const re = b.re,
    im = b.im;
  for (let k1 = 0; k1 < M1; k1++) {
    const src = k1 * M2 + c0,
      dst = k1 * CB;
    for (let q = 0; q < CB; q++) {
      xr[dst + q] = re[src + q]!;
      xi[dst + q] = im[src + q]!;
    }
  }
  const [rr, ri] = fft(sc, M1, CB, 1, xr, xi, yr, yi);
  for (let n1 = 0; n1 < n1max; n1++) {
    for (let q = 0; q < CB; q++) {
      const j = 2 * (M2 * n1 + c0 + q);
      if (j < P) outP[j] = rr[n1 * CB + q]!;
      if (j + 1 < P) outP[j + 1] = ri[n1 * CB + q]!;
    }
  }
}

/** Merges offsets into packed spikes: offset o adds w to Re z[o>>1] (o even) or Im z[o>>1] (o odd); weights are used as given. */
export function makeSpikes(offsetsN: ArrayLike<number>, weightsN: ArrayLike<number>, into?: Spikes): Spikes {
  const count = offsetsN.length;
  const order = Array.from({ length: count }, (_, i) => i).sort((x, y) => offsetsN[x]! - offsetsN[y]!);
  const sp =
    into !== undefined && into.n.length >= count
      ? into
      : { count: 0, n: new Int32Array(count), zr: new Float64Array(count), zi: new Float64Array(count) };
  let k = -1,
    last = -1;
  for (const i of order) {
    const o = offsetsN[i]!,
      n = o >>> 1,
      w = weightsN[i]!;
    if (n !== last) {
      k++;
      last = n;
      sp.n[k] = n;
      sp.zr[k] = 0;
      sp.zi[k] = 0;
    }
    if ((o & 1) === 0) sp.zr[k] = sp.zr[k]! + w;
    else sp.zi[k] = sp.zi[k]! + w;
  }
  return { count: k + 1, n: sp.n, zr: sp.zr, zi: sp.zi };
}

// Tests of the fast aggregation (FFT correlation and blocked sum, and the bucket variant) against the
// float32 references and a float64 naive sum, at random sizes, on 1 and 2 threads, with edge cases.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { accumulateBlock } from '../../src/aggregate/blocked.ts';
import { fftStockham, makeTwiddles } from '../../src/aggregate/fft.ts';
import {
  Aggregator,
  aggregateBucketsDirect,
  aggregateDirect,
  aggregationMethod,
  estimateAggregateSeconds,
  fftBytes,
} from '../../src/aggregate/index.ts';
import {
  aggregateColumnUnit,
  aggregateRowUnit,
  columnUnits,
  makeSpikes,
  rowUnits,
  SpectralScratch,
  setupCoefUnit,
  setupColumnUnit,
  setupRowUnit,
  spectralLayout,
} from '../../src/aggregate/spectral.ts';
import { taskRunner, taskUnits, UnitContext } from '../../src/aggregate/tasks.ts';
import { wasmAccumulator, wasmKernels, wasmTableMemory } from '../../src/aggregate/wasm-axpy.ts';
import { wasmFft } from '../../src/aggregate/wasm-fft.ts';
import { createNoiseTable } from '../../src/rng/noise-table.ts';
import { createRng, nextFloat, nextInt, type Rng } from '../../src/rng/prng.ts';

const aggregators = new Map<Float32Array, Map<number, Aggregator>>();

/** One Aggregator per (table, threads), as a run holds one for its table. */
function on(table: Float32Array, threads = 2): Aggregator {
  const byThreads = aggregators.get(table) ?? new Map<number, Aggregator>();
  aggregators.set(table, byThreads);
  let a = byThreads.get(threads);
  if (!a) {
    a = new Aggregator(table, { threads });
    byThreads.set(threads, a);
  }
  return a;
}

const U32 = 2 ** -24; // unit roundoff of float32 (half an ulp, relative)

/** exact_j = sum_i fround(w_i) T[o_i + j] in float64, and A_j = sum_i |fround(w_i) T[o_i + j]|. */
function exact64(
  table: Float32Array,
  offs: readonly number[],
  ws: readonly number[],
  P: number,
): { sum: Float64Array; abs: Float64Array } {
  const sum = new Float64Array(P),
    abs = new Float64Array(P);
  offs.forEach((o, i) => {
    const w = Math.fround(ws[i]!);
    for (let j = 0; j < P; j++) {
      const t = w * table[o + j]!;
      sum[j] = sum[j]! + t;
      abs[j] = abs[j]! + Math.abs(t);
    }
  });
  return { sum, abs };
}

/**
 * The stated bound: a fast result is the exact sum rounded once to float32, up to float64 error:
 * |fast_j - exact_j| <= 2^-24 |exact_j| + 2^-36 A_j. The reference aggregateDirect (float32
 * accumulation of N terms) is only within N 2^-24 A_j, so fast vs direct must be within the sum.
 */
function checkAgainst(
  got: Float32Array,
  table: Float32Array,
  offs: readonly number[],
  ws: readonly number[],
  P: number,
  what: string,
): void {
  const { sum, abs } = exact64(table, offs, ws, P);
  const direct = aggregateDirect(table, offs, ws, P);
  let worst = 0,
    worstDirect = 0,
    errFast = 0,
    errDirect = 0;
  for (let j = 0; j < P; j++) {
    const e = Math.abs(got[j]! - sum[j]!);
    worst = Math.max(worst, e / (U32 * Math.abs(sum[j]!) + 2 ** -36 * abs[j]! + Number.MIN_VALUE));
    const ed = Math.abs(got[j]! - direct[j]!);
    worstDirect = Math.max(
      worstDirect,
      ed / (U32 * Math.abs(sum[j]!) + (2 ** -36 + offs.length * U32) * abs[j]! + Number.MIN_VALUE),
    );
    errFast += e * e;
    errDirect += (direct[j]! - sum[j]!) ** 2;
  }
  assert.ok(worst <= 1, `${what}: error vs float64 sum is ${worst.toFixed(3)} x the bound`);
  assert.ok(
    worstDirect <= 1,
    `${what}: difference vs aggregateDirect is ${worstDirect.toFixed(3)} x the bound`,
  );
  // rounding once is never worse overall than rounding at every one of N steps (+ slack for N = 1)
  assert.ok(
    errFast <= errDirect * 1.01 + 1e-30,
    `${what}: rms error ${Math.sqrt(errFast)} above aggregateDirect's ${Math.sqrt(errDirect)}`,
  );
}

function randomCase(rng: Rng, L: number, P: number, n: number): { offs: number[]; ws: number[] } {
  const offs = Array.from({ length: n }, () => nextInt(rng, L - P + 1));
  const ws = offs.map(() => (nextFloat(rng) * 2 - 1) * 10 ** (nextInt(rng, 5) - 2));
  return { offs, ws };
}

test('FFT units: random table sizes and row/column shapes agree with the float64 sum', () => {
  const rng = createRng(11);
  for (let c = 0; c < 8; c++) {
    const L = 64 + nextInt(rng, 6000),
      P = 1 + nextInt(rng, Math.min(L, 1500)),
      n = 1 + nextInt(rng, 40);
    const table = createNoiseTable(c, L);
    const layout = spectralLayout(L, 1 + nextInt(rng, 8));
    const b = {
      layout,
      coef: new Float64Array(4 * layout.M),
      re: new Float64Array(layout.M),
      im: new Float64Array(layout.M),
    };
    const sc = new SpectralScratch(layout, c % 2 === 0); // odd cases: the plain-JS FFT
    assert.equal(sc.wasm !== undefined, c % 2 === 0);
    for (let u = 0; u < columnUnits(layout); u++) setupColumnUnit(b, sc, table, u);
    for (let u = 0; u < rowUnits(layout); u++) setupRowUnit(b, sc, u);
    for (let u = 0; u < rowUnits(layout); u++) setupCoefUnit(b, sc, u);
    const { offs, ws } = randomCase(rng, L, P, n);
    offs[0] = L - P; // the last offset
    const sp = makeSpikes(
      offs,
      ws.map((w) => Math.fround(w)),
    );
    for (let u = 0; u < rowUnits(layout); u++) aggregateRowUnit(b, sc, sp, u);
    const out = new Float32Array(P);
    for (let u = 0; u < columnUnits(layout); u++) aggregateColumnUnit(b, sc, u, out);
    checkAgainst(out, table, offs, ws, P, `L ${L} P ${P} n ${n} M1 ${layout.M1} M2 ${layout.M2}`);
  }
});

test('WASM FFT stages equal fftStockham bit for bit (radix-4 and radix-2, both directions, strides 2..16)', () => {
  const rng = createRng(3);
  for (const [n, s] of [
    [2, 2],
    [8, 2],
    [64, 4],
    [512, 16],
    [4096, 2],
  ] as const) {
    const tw = makeTwiddles(4096);
    const w = wasmFft(n * s, tw);
    assert.ok(w, 'WASM SIMD unavailable');
    for (const dir of [-1, 1]) {
      const re = Float64Array.from({ length: n * s }, () => nextFloat(rng) - 0.5),
        im = Float64Array.from({ length: n * s }, () => nextFloat(rng) - 0.5);
      const [xr, xi, yr, yi] = w.bufs as [Float64Array, Float64Array, Float64Array, Float64Array];
      xr.set(re);
      xi.set(im);
      const inY = w.run(n, s, dir, xr);
      const got: Float64Array[] = inY ? [yr, yi] : [xr, xi];
      const jr = re.slice(),
        ji = im.slice(),
        kr = new Float64Array(n * s),
        ki = new Float64Array(n * s);
      const want = fftStockham(n, s, dir, jr, ji, kr, ki, tw) ? [kr, ki] : [jr, ji];
      assert.deepEqual(got[0], want[0], `n ${n} s ${s} dir ${dir} (re)`);
      assert.deepEqual(got[1], want[1], `n ${n} s ${s} dir ${dir} (im)`);
    }
  }
  // fftStockham against a naive DFT
  const n = 16,
    s = 2,
    tw = makeTwiddles(16);
  const re = Float64Array.from({ length: n * s }, (_, i) => Math.sin(i * 1.7)),
    im = Float64Array.from({ length: n * s }, (_, i) => Math.cos(i * 0.3));
  const xr = re.slice(),
    xi = im.slice(),
    yr = new Float64Array(n * s),
    yi = new Float64Array(n * s);
  const [or, oi] = fftStockham(n, s, -1, xr, xi, yr, yi, tw) ? [yr, yi] : [xr, xi];
  for (let q = 0; q < s; q++)
    for (let k = 0; k < n; k++) {
      let sr = 0,
        si = 0;
      for (let j = 0; j < n; j++) {
        const a = (-2 * Math.PI * j * k) / n;
        sr += re[q + s * j]! * Math.cos(a) - im[q + s * j]! * Math.sin(a);
        si += re[q + s * j]! * Math.sin(a) + im[q + s * j]! * Math.cos(a);
      }
      assert.ok(
        Math.abs(or[q + s * k]! - sr) < 1e-12 && Math.abs(oi[q + s * k]! - si) < 1e-12,
        `DFT ${q} ${k}`,
      );
    }
});

const tableA = createNoiseTable(7, 300_001); // not a power of two: FFT length 2^19, 8 rows of 2^14

for (const method of ['fft', 'blocked'] as const) {
  test(`aggregate(${method}) at random sizes, 1 and 2 threads: within float32 rounding, threads bit-identical`, () => {
    const rng = createRng(method === 'fft' ? 21 : 22);
    for (let c = 0; c < 3; c++) {
      const P = 1 + nextInt(rng, 9000),
        n = 1 + nextInt(rng, 300);
      const { offs, ws } = randomCase(rng, tableA.length, P, n);
      const one = on(tableA, 1).sum(offs, ws, P, { method });
      checkAgainst(one, tableA, offs, ws, P, `${method} P ${P} n ${n}`);
      const two = on(tableA, 2).sum(offs, ws, P, { method });
      assert.deepEqual(two, one, `${method}: 2 threads differ from 1`);
    }
    assert.ok(on(tableA, 2).workerCount >= 1, 'no worker thread was started');
  });

  test(`aggregate(${method}) edge cases: one offset, repeats, cancelling pair, offsets 0 and L-P, P = L, none`, () => {
    const t = createNoiseTable(3, 5000);
    const L = t.length;
    const one = on(t).sum([L - 700], [0.5], 700, { method });
    for (let j = 0; j < 700; j++) assert.equal(one[j], Math.fround(0.5 * t[L - 700 + j]!));
    const rep = on(t).sum([17, 17, 17, 0, L - 300], [1, 2, -0.25, 3, 1e-3], 300, { method });
    checkAgainst(rep, t, [17, 17, 17, 0, L - 300], [1, 2, -0.25, 3, 1e-3], 300, `${method} repeats`);
    const cancel = on(t).sum([33, 33], [0.7, -0.7], 100, { method });
    for (let j = 0; j < 100; j++)
      assert.ok(Math.abs(cancel[j]!) <= 2 ** -36, `cancelling pair leaves ${cancel[j]}`);
    const full = on(t).sum([0], [2], L, { method });
    for (let j = 0; j < L; j++) assert.equal(full[j], 2 * t[j]!);
    assert.deepEqual(on(t).sum([], [], 10, { method }), new Float32Array(10));
    const outP = new Float32Array(50).fill(9);
    assert.equal(on(t).sum([4], [1], 50, { method, outP }), outP);
    assert.equal(outP[0], t[4]);
  });
}

test('kernels: the WASM axpy/axpy4/axpy8 equal the float64 sum and the JS accumulateBlock bit for bit (all tail lengths)', () => {
  const rng = createRng(31);
  const table = createNoiseTable(4, 20_000);
  const w = wasmTableMemory(table);
  assert.ok(w, 'WASM SIMD kernels unavailable');
  const k = wasmKernels(w.memory)!;
  const wasm = wasmAccumulator(k, w.memory.buffer as unknown as SharedArrayBuffer, 3);
  for (let c = 0; c < 40; c++) {
    const n = 1 + nextInt(rng, 20),
      len = 1 + nextInt(rng, 600),
      j0 = nextInt(rng, 50);
    const off = Int32Array.from({ length: n }, () => nextInt(rng, table.length - len - j0));
    const ws = Float64Array.from({ length: n }, () => Math.fround(nextFloat(rng) - 0.5));
    const i0 = nextInt(rng, n);
    const js = new Float64Array(len).fill(0.25);
    accumulateBlock(table, off, ws, i0, n, j0, len, js);
    wasm.acc.fill(0.25, 0, len + 8);
    wasm.add(off, ws, i0, n, j0, len);
    for (let j = 0; j < len + 8; j++) {
      let exact = 0.25,
        abs = 0.25;
      if (j < len)
        for (let i = i0; i < n; i++) {
          exact += ws[i]! * table[off[i]! + j0 + j]!;
          abs += Math.abs(ws[i]! * table[off[i]! + j0 + j]!);
        }
      if (j < len) assert.equal(js[j], wasm.acc[j], `JS and WASM kernels differ: n ${n} len ${len} j ${j}`);
      assert.ok(
        Math.abs(wasm.acc[j]! - exact) <= 2 ** -50 * abs,
        `WASM kernel: n ${n} len ${len} j ${j}: ${wasm.acc[j]} vs ${exact}`,
      );
    }
  }
});

test('blocked and bucket tasks without WASM (plain SharedArrayBuffer table) run the JS kernels', () => {
  const rng = createRng(8);
  const t = createNoiseTable(2, 30_000);
  const sab = new SharedArrayBuffer(4 * t.length);
  new Float32Array(sab).set(t);
  const P = 5000,
    n = 37;
  const { offs, ws } = randomCase(rng, t.length, P, n);
  const share = <T extends Int32Array | Float64Array>(a: T): SharedArrayBuffer => {
    const s = new SharedArrayBuffer(a.byteLength);
    new Uint8Array(s).set(new Uint8Array(a.buffer));
    return s;
  };
  const out = new Float32Array(new SharedArrayBuffer(4 * P));
  const task = {
    kind: 'blocked' as const,
    table: { id: -1, sab, byteOffset: 0, length: t.length },
    off: share(Int32Array.from(offs)),
    w: share(Float64Array.from(ws, (x) => Math.fround(x))),
    n,
    out: { sab: out.buffer as SharedArrayBuffer, length: P },
  };
  const run = taskRunner(task, new UnitContext(0));
  for (let u = 0; u < taskUnits(task); u++) run(u);
  checkAgainst(out, t, offs, ws, P, 'JS blocked task');
});

test('aggregate rejects bad offsets, lengths and outP', () => {
  const t = createNoiseTable(1, 1000);
  assert.throws(() => on(t).sum([901], [1], 100), RangeError);
  assert.throws(() => on(t).sum([-1], [1], 100), RangeError);
  assert.throws(() => on(t).sum([1.5], [1], 100), RangeError);
  assert.throws(() => on(t).sum([1, 2], [1], 100), RangeError);
  assert.throws(() => on(t).sum([1], [1], 100, { outP: new Float32Array(99) }), RangeError);
  assert.throws(() => on(t).sum([0], [1], 1001), RangeError);
});

test('aggregateBuckets vs aggregateBucketsDirect and the float64 sum, random buckets, 1 and 2 threads', () => {
  const rng = createRng(5);
  const t = tableA;
  for (let c = 0; c < 3; c++) {
    // buckets: consecutive slices of random sizes (<= 700), with a gap now and then
    const starts: number[] = [],
      sizes: number[] = [];
    let p = 0;
    while (p < 6000) {
      const s = 1 + nextInt(rng, 700);
      starts.push(p);
      sizes.push(s);
      p += s + (nextInt(rng, 4) === 0 ? nextInt(rng, 50) : 0);
    }
    const P = p + 3,
      B = starts.length,
      n = 50 + nextInt(rng, 400);
    const bucketsN = Array.from({ length: n }, () => nextInt(rng, B));
    const offs = bucketsN.map((b) => nextInt(rng, t.length - sizes[b]! + 1));
    const ws = offs.map(() => nextFloat(rng) * 2 - 1);
    if (c === 0) {
      offs[1] = offs[0]!;
      bucketsN[1] = bucketsN[0]!;
    } // a repeated offset within a bucket
    const ref = aggregateBucketsDirect(t, offs, ws, bucketsN, starts, sizes, P);
    const got = on(t, 1).sumBuckets(offs, ws, bucketsN, starts, sizes, P);
    assert.deepEqual(on(t, 2).sumBuckets(offs, ws, bucketsN, starts, sizes, P), got);
    // per bucket, the same bound as for the full sum over that bucket's offspring
    const exact = new Float64Array(P),
      abs = new Float64Array(P),
      count = new Float64Array(P);
    bucketsN.forEach((b, i) => {
      const w = Math.fround(ws[i]!);
      for (let j = 0; j < sizes[b]!; j++) {
        const v = w * t[offs[i]! + j]!;
        exact[starts[b]! + j] = exact[starts[b]! + j]! + v;
        abs[starts[b]! + j] = abs[starts[b]! + j]! + Math.abs(v);
        count[starts[b]! + j]!++;
      }
    });
    for (let j = 0; j < P; j++) {
      assert.ok(
        Math.abs(got[j]! - exact[j]!) <= U32 * Math.abs(exact[j]!) + 2 ** -36 * abs[j]!,
        `param ${j}: ${got[j]} vs ${exact[j]}`,
      );
      assert.ok(Math.abs(ref[j]! - exact[j]!) <= count[j]! * U32 * abs[j]!, `reference at ${j}`);
      if (count[j] === 0) assert.equal(got[j], 0);
    }
  }
});

test('aggregateBuckets rejects overlapping buckets, bad bucket indices and windows past the table', () => {
  const t = createNoiseTable(1, 1000);
  assert.throws(() => on(t).sumBuckets([0], [1], [0], [0, 5], [10, 10], 20), RangeError);
  assert.throws(() => on(t).sumBuckets([0], [1], [2], [0, 10], [10, 10], 20), RangeError);
  assert.throws(() => on(t).sumBuckets([995], [1], [0], [0], [10], 20), RangeError);
  assert.throws(() => on(t).sumBuckets([0], [1], [0], [15], [10], 20), RangeError);
});

test('method choice: FFT for 10k x cnn-3m on a 2^25 table, blocked for cnn-29k and tiny cases', () => {
  const L = 2 ** 25;
  assert.equal(aggregationMethod(L, 5000, 3_274_634), 'fft');
  assert.equal(aggregationMethod(L, 10_000, 3_274_634), 'fft');
  assert.equal(aggregationMethod(L, 10_000, 28_938), 'blocked');
  assert.equal(aggregationMethod(L, 10, 3_274_634), 'blocked');
  assert.equal(aggregationMethod(2 ** 22, 10_000, 3_274_634), 'fft');
});

test('the one method rule: a monotone threshold in K from the cost model, the same on any machine with room', () => {
  const L = 2 ** 25;
  // the crossover at cnn-3m: FFT from 727 distinct offsets; at cnn-29k only past 500,000
  assert.equal(aggregationMethod(L, 726, 3_274_634), 'blocked');
  assert.equal(aggregationMethod(L, 727, 3_274_634), 'fft');
  assert.equal(aggregationMethod(L, 500_000, 28_938), 'blocked');
  for (const [tableLength, P] of [
    [2 ** 20, 100_000],
    [2 ** 23, 1_000_000],
    [L, 3_274_634],
  ] as const) {
    let switched = false;
    for (let K = 1; K <= 20_000; K += 7) {
      const m = aggregationMethod(tableLength, K, P);
      const e = estimateAggregateSeconds(tableLength, K, P);
      assert.equal(m, e.fft < e.blocked ? 'fft' : 'blocked', `L ${tableLength}, K ${K}, P ${P}`);
      if (switched) assert.equal(m, 'fft', `back to blocked at K ${K} (L ${tableLength}, P ${P})`);
      switched ||= m === 'fft';
    }
    // it does not depend on the machine's memory unless the spectrum would not fit
    assert.equal(
      aggregationMethod(tableLength, 5000, P, 2 ** 40),
      aggregationMethod(tableLength, 5000, P, 2 ** 36),
    );
  }
  assert.equal(
    aggregationMethod(L, 10_000, 3_274_634, 2 ** 30),
    'blocked',
    'a 768 MiB spectrum on a 1 GiB machine',
  );
  assert.equal(fftBytes(L), 48 * 2 ** 24);
});

test('Aggregator lifetime: threads honoured, memory held until close(), nothing after it', async () => {
  const t = createNoiseTable(4, 2 ** 16);
  const rng = createRng(5);
  const { offs, ws } = randomCase(rng, t.length, 20_000, 9);
  const single = new Aggregator(t, { threads: 1 });
  const fft = single.sum(offs, ws, 20_000, { method: 'fft' });
  assert.equal(single.workerCount, 0, 'one thread: no worker started');
  assert.ok(single.bytesHeld >= fftBytes(t.length), `holds the spectrum (${single.bytesHeld} bytes)`);
  assert.ok((single.spectrumSetupSeconds ?? -1) >= 0);
  const three = new Aggregator(t, { threads: 3 });
  assert.deepEqual(three.sum(offs, ws, 20_000, { method: 'fft' }), fft, 'threads give the same bits');
  assert.equal(three.workerCount, 2, 'threads - 1 workers');
  for (const a of [single, three]) {
    await a.close();
    assert.equal(a.bytesHeld, 0);
    assert.equal(a.workerCount, 0);
    assert.throws(() => a.sum(offs, ws, 20_000), /closed/);
  }
});

after(async () => {
  for (const byThreads of aggregators.values()) for (const a of byThreads.values()) await a.close();
});

// The work of one aggregation phase as plain data over SharedArrayBuffers (so a worker thread can
// receive it), and the function that runs one unit of it: the same code on the main thread and workers.

import { type Accumulator, BLOCK, blockedUnit, bucketUnit, jsAccumulator } from './blocked.ts';
import {
  aggregateColumnUnit,
  aggregateRowUnit,
  type SpectralBuffers,
  type SpectralLayout,
  SpectralScratch,
  type Spikes,
  setupCoefUnit,
  setupColumnUnit,
  setupRowUnit,
} from './spectral.ts';
import { wasmAccumulator, wasmKernels } from './wasm-axpy.ts';

type SAB = SharedArrayBuffer;

/** A noise table in shared memory: in a WebAssembly.Memory (for the SIMD kernels) when `memory` is set. */
export interface TableRef {
  readonly id: number;
  readonly sab: SAB;
  readonly byteOffset: number;
  readonly length: number;
  readonly memory?: WebAssembly.Memory;
}

export interface SpectralTask {
  readonly kind: 'spectral';
  /** 0 setup columns, 1 setup rows, 2 setup coefficients, 3 aggregation rows, 4 aggregation columns. */
  readonly phase: 0 | 1 | 2 | 3 | 4;
  readonly layout: SpectralLayout;
  readonly coef: SAB;
  readonly re: SAB;
  readonly im: SAB;
  /** Phase 0: the table. */
  readonly table?: TableRef;
  /** Phase 3: spikes (n int32, zr, zi float64). */
  readonly spikes?: { readonly n: SAB; readonly zr: SAB; readonly zi: SAB; readonly count: number };
  /** Phase 4: the output (float32, P). */
  readonly out?: { readonly sab: SAB; readonly length: number };
}

export interface BlockedTask {
  readonly kind: 'blocked' | 'buckets';
  readonly table: TableRef;
  /** Offsets (int32) and float32-rounded weights (float64) of n offspring; grouped by bucket for 'buckets'. */
  readonly off: SAB;
  readonly w: SAB;
  readonly n: number;
  readonly out: { readonly sab: SAB; readonly length: number };
  /** 'buckets': offspring of bucket b are [ptr[b], ptr[b+1]); its slice is out[starts[b], + sizes[b]). */
  readonly ptr?: SAB;
  readonly starts?: SAB;
  readonly sizes?: SAB;
}

export type Task = SpectralTask | BlockedTask;

/** Number of units a task splits into. */
export function taskUnits(t: Task): number {
  if (t.kind === 'spectral')
    return t.phase === 0 || t.phase === 4 ? t.layout.M2 / t.layout.CB : t.layout.M1 / 2;
  if (t.kind === 'blocked') return Math.ceil(t.out.length / BLOCK);
  return new Int32Array(t.ptr!).length - 1;
}

/** Per-thread state: scratch arrays by layout, the block accumulator (JS or WASM) of the last table. */
export class UnitContext {
  private scratch: SpectralScratch | undefined;
  private readonly acc = new Float64Array(BLOCK);
  private accumulatorFor: { id: number; a: Accumulator } | undefined;

  /** slot: this thread's accumulator slot in WASM table memories (0 = the main thread). */
  constructor(readonly slot: number) {}

  accumulator(t: TableRef): Accumulator {
    if (this.accumulatorFor?.id === t.id) return this.accumulatorFor.a;
    const k = t.memory && wasmKernels(t.memory);
    const a = k
      ? wasmAccumulator(k, t.sab, this.slot)
      : jsAccumulator(new Float32Array(t.sab, t.byteOffset, t.length), this.acc);
    this.accumulatorFor = { id: t.id, a };
    return a;
  }

  spectralScratch(l: SpectralLayout): SpectralScratch {
    const s = this.scratch;
    if (s && s.layout.M === l.M && s.layout.M2 === l.M2 && s.layout.CB === l.CB) return s;
    this.scratch = new SpectralScratch(l);
    return this.scratch;
  }
}

/** Views of one task's arrays (made once per task and thread). */
export function taskRunner(t: Task, ctx: UnitContext): (u: number) => void {
  if (t.kind === 'spectral') {
    const b: SpectralBuffers = {
      layout: t.layout,
      coef: new Float64Array(t.coef),
      re: new Float64Array(t.re),
      im: new Float64Array(t.im),
    };
    const sc = ctx.spectralScratch(t.layout);
    switch (t.phase) {
      case 0: {
        const table = new Float32Array(t.table!.sab, t.table!.byteOffset, t.table!.length);
        return (u) => setupColumnUnit(b, sc, table, u);
      }
      case 1:
        return (u) => setupRowUnit(b, sc, u);
      case 2:
        return (u) => setupCoefUnit(b, sc, u);
      case 3: {
        const s = t.spikes!;
        const sp: Spikes = {
          count: s.count,
          n: new Int32Array(s.n),
          zr: new Float64Array(s.zr),
          zi: new Float64Array(s.zi),
        };
        return (u) => aggregateRowUnit(b, sc, sp, u);
      }
      case 4: {
        const out = new Float32Array(t.out!.sab, 0, t.out!.length);
        return (u) => aggregateColumnUnit(b, sc, u, out);
      }
    }
  }
  const a = ctx.accumulator(t.table);
  const off = new Int32Array(t.off),
    w = new Float64Array(t.w),
    out = new Float32Array(t.out.sab, 0, t.out.length);
  if (t.kind === 'blocked') return (u) => blockedUnit(a, off, w, t.n, out, u);
  const ptr = new Int32Array(t.ptr!),
    starts = new Int32Array(t.starts!),
    sizes = new Int32Array(t.sizes!);
  return (u) => bucketUnit(a, off, w, ptr, starts, sizes, out, u);
}

/** Control block of one phase: [next unit, threads done, failures] (Int32Array over a SAB). */
export const CTRL_NEXT = 0,
  CTRL_DONE = 1,
  CTRL_FAILED = 2;

/** Claims and runs units until none are left (dynamic scheduling: Atomics.add on the next-unit counter). */
export function drainUnits(ctrl: Int32Array, units: number, run: (u: number) => void): void {
  for (;;) {
    const u = Atomics.add(ctrl, CTRL_NEXT, 1);
    if (u >= units) return;
    run(u);
  }
}

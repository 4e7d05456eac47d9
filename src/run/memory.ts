// What an ES run will hold (the iteration's per-offspring buffers, the noise table and, when the FFT
// aggregates, its spectrum, θ with the optimizer's state, the evaluator threads with their activations),
// checked against the machine before it starts.
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { aggregationMethod } from '../aggregate/index.ts';
import { formatCount } from '../data/errors.ts';
import { UsageError } from '../types.ts';

/**
 * Bytes per offspring of one iteration, rounded up: ask()'s task objects and tell()'s rewards, index,
 * fitness and gradient terms measured ~270 B (peak RSS of ask + tell, N = 1M and 4M), plus the
 * evaluator's copies of the tasks and rewards.
 */
export const ES_BYTES_PER_OFFSPRING = 400;
/** The FFT aggregation's cached spectrum and scratch: 24 bytes per table float (aggregate/aggregator.ts). */
const SPECTRUM_BYTES_PER_TABLE_FLOAT = 24;
/** θ, Adam's two moments, the gradient estimate and the update: five float32 vectors. */
const BYTES_PER_PARAMETER = 5 * 4;
/**
 * An evaluator thread before its activations: V8 isolate and ONNX Runtime session (one more
 * `esgrad worker --workers` thread measured ~90 MB RSS on cnn-29k, activations included).
 */
export const THREAD_BASE_BYTES = 64 * 2 ** 20;

/** The sizes of an ES run that decide its memory. */
export interface EsRunSize {
  readonly population: number;
  readonly noiseTableSize: number;
  readonly params: number;
  /** Offspring share their noise in mirrored pairs (halves the distinct offsets the aggregation sees). */
  readonly mirrored: boolean;
  /** Threads evaluating offspring in this process (0 or absent: none, e.g. Redis workers elsewhere). */
  readonly evaluatorThreads?: number;
  /** Bytes of one evaluation call's activations in a thread (0 or absent: not known, not counted). */
  readonly activationBytes?: number;
}

/** Bytes by part: the offspring live on Node's heap, the rest in typed arrays beside it. */
export interface EsMemory {
  readonly offspring: number;
  readonly table: number;
  readonly spectrum: number;
  readonly parameters: number;
  readonly threads: number;
}

export function esMemory(s: EsRunSize, machineBytes = totalmem()): EsMemory {
  const distinct = s.mirrored ? Math.ceil(s.population / 2) : s.population;
  const fft = aggregationMethod(s.noiseTableSize, distinct, s.params, machineBytes) === 'fft';
  return {
    offspring: s.population * ES_BYTES_PER_OFFSPRING,
    table: 4 * s.noiseTableSize,
    spectrum: fft ? SPECTRUM_BYTES_PER_TABLE_FLOAT * s.noiseTableSize : 0,
    parameters: BYTES_PER_PARAMETER * s.params,
    threads: (s.evaluatorThreads ?? 0) * (THREAD_BASE_BYTES + (s.activationBytes ?? 0)),
  };
}

/**
 * Bytes of the activations of one population-graph call: `copies` perturbed copies of the net, each
 * on `batch` examples, every layer's output (per example `activationFloats` floats) kept as float32.
 */
export const populationActivationBytes = (activationFloats: number, copies: number, batch: number): number =>
  4 * activationFloats * copies * batch;

/** What a run may use: half the machine's memory, and no more than V8's heap limit (the tasks live there). */
export interface MemoryBudget {
  readonly totalBytes: number;
  readonly heapLimitBytes: number;
}

export function machineBudget(): MemoryBudget {
  return { totalBytes: totalmem(), heapLimitBytes: getHeapStatistics().heap_size_limit };
}

function gigabytes(bytes: number): string {
  const gb = bytes / 2 ** 30;
  if (gb < 0.1) return `${Math.ceil(bytes / 2 ** 20)} MB`;
  return `${gb >= 10 ? gb.toFixed(0) : gb.toFixed(1)} GB`;
}

/**
 * Throws a one-line UsageError when the run would not fit `budget`: its offspring in Node's heap, or
 * all it holds in half the machine. `name` names the population setting (--population).
 */
export function checkEsMemory(
  size: EsRunSize,
  budget: MemoryBudget = machineBudget(),
  name = '--population',
): void {
  const m = esMemory(size, budget.totalBytes);
  const total = m.offspring + m.table + m.spectrum + m.parameters + m.threads;
  const halfMachine = budget.totalBytes / 2;
  const overHeap = m.offspring > budget.heapLimitBytes;
  if (!overHeap && total <= halfMachine) return;
  const parts = [
    `${gigabytes(m.offspring)} for its offspring (~${ES_BYTES_PER_OFFSPRING} bytes each)`,
    `${gigabytes(m.table)} for the noise table`,
    ...(m.spectrum > 0 ? [`${gigabytes(m.spectrum)} for its spectrum (FFT aggregation)`] : []),
    `${gigabytes(m.parameters)} for θ and the optimizer`,
    ...(m.threads > 0
      ? [`${gigabytes(m.threads)} for ${size.evaluatorThreads} evaluator thread(s) and their activations`]
      : []),
  ].join(', ');
  const why = overHeap
    ? `Node's heap limit of ${gigabytes(budget.heapLimitBytes)} for the offspring (raise it with NODE_OPTIONS=--max-old-space-size=MB)`
    : `${gigabytes(halfMachine)}, half of this machine's ${gigabytes(budget.totalBytes)}`;
  const room = overHeap
    ? budget.heapLimitBytes
    : Math.min(budget.heapLimitBytes, halfMachine - (total - m.offspring));
  const most = Math.max(0, Math.floor(room / ES_BYTES_PER_OFFSPRING / 2) * 2);
  const fix =
    most >= 2
      ? `use at most ${formatCount(most)}`
      : 'use a smaller --noise-table-size or model, or fewer --workers';
  throw new UsageError(
    `${name} ${size.population}: the run would need about ${gigabytes(total)} (${parts}), more than ${why}; ${fix}`,
  );
}

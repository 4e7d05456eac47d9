// The curves the page draws and how each comes from a run's metrics.jsonl records: one column per
// curve (null where a record has no value), plus the iteration and the run's clock as x axes.
import type { Metrics } from '../types.ts';

export interface ChartDef {
  readonly key: string;
  readonly title: string;
}

/** The page's charts, in order (each a column below). */
export const CHARTS: readonly ChartDef[] = [
  { key: 'testAccuracy', title: 'test accuracy (%)' },
  { key: 'loss', title: 'training loss (mini-batch)' },
  { key: 'corr', title: 'gradient correlation ρ (%)' },
  { key: 'gradNorm', title: 'gradient norm' },
  { key: 'offspringPerSecond', title: 'offspring / s' },
  { key: 'secondsPerIteration', title: 'seconds per iteration' },
];

/** x axes: the iteration, and seconds since the run started (the records' `seconds`). */
export const X_KEYS = ['iter', 'seconds'] as const;

export type Columns = Record<string, (number | null)[]>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const scaled = (v: unknown, k: number): number | null => {
  const x = num(v);
  return x === null ? null : k * x;
};

/** An empty set of columns (every x axis and chart). */
export function emptyColumns(): Columns {
  return Object.fromEntries([...X_KEYS, ...CHARTS.map((c) => c.key)].map((k) => [k, []]));
}

/**
 * The columns of `records`, the `index`-th record of the run first (its iteration when it has none is
 * index + 1); `prevSeconds` is the `seconds` of the record before them (per-iteration times and
 * throughput are differences).
 */
export function toColumns(records: readonly Metrics[], index: number, prevSeconds: number | null): Columns {
  const out = emptyColumns();
  let prev = prevSeconds;
  records.forEach((m, i) => {
    const seconds = num(m.seconds);
    const dt = seconds !== null ? seconds - (prev ?? 0) : null;
    const evaluations = num(m.evaluationsUsed);
    const row: Record<string, number | null> = {
      iter: num(m.iter) ?? index + i + 1,
      seconds,
      testAccuracy: scaled(m.testAccuracy ?? m.subsetTestAccuracy, 100),
      loss: num(m.loss),
      corr: scaled(m.corr, 100),
      gradNorm: num(m.gradNorm),
      offspringPerSecond: evaluations !== null && dt !== null && dt > 0 ? evaluations / dt : null,
      secondsPerIteration: dt !== null && dt >= 0 ? dt : null,
    };
    for (const [k, col] of Object.entries(out)) col.push(row[k] ?? null);
    if (seconds !== null) prev = seconds;
  });
  return out;
}

/** `more` appended to `cols` (in place). */
export function appendColumns(cols: Columns, more: Columns): void {
  for (const [k, col] of Object.entries(more)) {
    cols[k] ??= [];
    for (const v of col) cols[k].push(v);
  }
}

// The benchmark's result rows and their rendering: one aligned plain-text table in which every
// rate stands beside its fraction of the measured MatMul peak, or the same rows as JSON.

export type Section =
  | 'matmul'
  | 'forward'
  | 'population'
  | 'sgd step'
  | 'es iteration'
  | 'aggregate'
  | 'control';

export interface BenchRow {
  readonly section: Section;
  /** What was measured, e.g. "2048x2048x2048" or "cnn-29k". */
  readonly name: string;
  readonly batch?: number;
  /** Median seconds per call (one session.run, one step). */
  readonly seconds: number;
  /** Items per second and their unit (images/s, offspring/s, steps/s); absent for bare GEMMs. */
  readonly rate?: number;
  readonly unit?: string;
  /** Useful GFLOP/s (see FLOP conventions in index.ts); absent where FLOPs mean nothing (physics). */
  readonly gflops?: number;
  readonly note?: string;
}

export interface BenchReport {
  readonly machine: string;
  /** The fastest GEMM measured: what "% peak" is relative to. */
  readonly peakGflops: number;
  readonly repeats: number;
  readonly rows: readonly BenchRow[];
}

const num = (v: number, digits: number): string =>
  v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function cells(r: BenchRow, peak: number): string[] {
  const ms = r.seconds * 1e3;
  return [
    r.section,
    r.name,
    r.batch === undefined ? '' : String(r.batch),
    num(ms, ms < 10 ? 2 : 1),
    r.rate === undefined ? '' : `${num(r.rate, r.rate < 100 ? 1 : 0)} ${r.unit ?? ''}`,
    r.gflops === undefined ? '' : num(r.gflops, 1),
    r.gflops === undefined ? '' : `${num((100 * r.gflops) / peak, 0)}%`,
    r.note ?? '',
  ];
}

/** The table, columns padded to their widest cell (numbers right-aligned). */
export function formatTable(report: BenchReport): string {
  const head = ['section', 'measurement', 'batch', 'ms/call', 'rate', 'GFLOP/s', '% peak', 'note'];
  const rows = report.rows.map((r) => cells(r, report.peakGflops));
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const right = new Set([2, 3, 4, 5, 6]);
  const line = (r: string[]): string =>
    r
      .map((v, c) => (right.has(c) ? v.padStart(width[c]!) : v.padEnd(width[c]!)))
      .join('  ')
      .trimEnd();
  const rule = width.map((w) => '-'.repeat(w)).join('  ');
  const out = [
    report.machine,
    `MatMul peak ${num(report.peakGflops, 1)} GFLOP/s (fastest GEMM below); medians of ${report.repeats} repeats`,
    '',
    line(head),
    rule,
  ];
  let last: Section | undefined;
  for (let i = 0; i < rows.length; i++) {
    if (last !== undefined && report.rows[i]!.section !== last) out.push('');
    last = report.rows[i]!.section;
    out.push(line(rows[i]!));
  }
  return out.join('\n');
}

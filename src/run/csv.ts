// metrics.csv beside metrics.jsonl, for spreadsheets and pandas: one row per record, the columns
// the union of the records' keys in first-seen order (the file is rewritten when a new key appears).
import type { Metrics } from '../types.ts';
import { appendText, syncFile, writeFileAtomic } from './files.ts';
import type { Reporter } from './reporter.ts';

/** One cell (RFC 4180): empty for null or a non-finite number (as in the JSONL), quoted when needed. */
export function csvCell(v: Metrics[string] | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The union of the records' keys, in the order they first appear (after those of `columns`). */
export function csvColumns(records: readonly Metrics[], columns: readonly string[] = []): string[] {
  const seen = new Set(columns);
  for (const r of records) for (const key of Object.keys(r)) seen.add(key);
  return [...seen];
}

export const csvRow = (columns: readonly string[], r: Metrics): string =>
  `${columns.map((c) => csvCell(r[c])).join(',')}\n`;

/** The whole file: the header, then one row per record. */
export function csvText(columns: readonly string[], records: readonly Metrics[]): string {
  return `${columns.map((c) => csvCell(c)).join(',')}\n${records.map((r) => csvRow(columns, r)).join('')}`;
}

/** Writes `path` from `history` (a resumed run's records so far), then a row per iteration. */
export function csvReporter(path: string, history: readonly Metrics[] = []): Reporter {
  const records = [...history];
  let columns = csvColumns(records);
  const rewrite = (): void => writeFileAtomic(path, csvText(columns, records));
  rewrite();
  return {
    onIteration(m) {
      records.push(m);
      const next = csvColumns([m], columns);
      if (next.length === columns.length) return appendText(path, csvRow(columns, m));
      columns = next;
      rewrite();
    },
    sync: () => syncFile(path),
  };
}

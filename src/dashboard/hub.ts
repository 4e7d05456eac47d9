// The dashboard's live state: the runs and experiments under its directories, each run's curves read
// incrementally (fs.watch on its directory, a slow safety tick), and the events sent to open pages.
import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { appendColumns, CHARTS, type Columns, emptyColumns, toColumns } from './columns.ts';
import { type RunInfo, readRunInfo } from './run-info.ts';
import { type ExperimentEntry, type RunEntry, type Scan, scanRoots, shownPath } from './scan.ts';
import { lastWriteMs } from './status.ts';
import { JsonlTail } from './tail.ts';

/** The safety tick: rescan DIRs for new or deleted runs, re-check running runs (a process may have died). */
export const TICK_MS = 1000;
/** Runs not running are re-read on every this many ticks (else only when fs.watch reports a change). */
const IDLE_TICKS = 10;
/** fs.watch events within this long are read together. */
const SETTLE_MS = 25;

export type HubEvent =
  | { type: 'state' }
  | { type: 'metrics'; id: string; from: number; columns: Columns }
  | { type: 'reset'; id: string }
  | { type: 'run'; id: string; info: RunInfo; count: number; badLines: number; pendingBytes: number };

interface LiveRun {
  readonly entry: RunEntry;
  readonly tail: JsonlTail;
  columns: Columns;
  count: number;
  prevSeconds: number | null;
  badLines: number;
  info: RunInfo;
  infoJson: string;
  watcher?: FSWatcher | undefined;
  timer?: NodeJS.Timeout | undefined;
}

export class Hub {
  private readonly runs = new Map<string, LiveRun>();
  private experiments: ExperimentEntry[] = [];
  private notes: string[] = [];
  private readonly listeners = new Set<(e: HubEvent) => void>();
  private readonly ticker: NodeJS.Timeout;
  private ticks = 0;

  constructor(readonly roots: readonly string[]) {
    this.rescan();
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  subscribe(fn: (e: HubEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Everything the page lists (no curves). */
  state(): object {
    return {
      roots: this.roots.map(shownPath),
      notes: this.notes,
      charts: CHARTS,
      runs: [...this.runs.values()].map((r) => ({
        id: r.entry.id,
        name: r.entry.name,
        dir: shownPath(r.entry.dir),
        experimentId: r.entry.experimentId ?? null,
        count: r.count,
        badLines: r.badLines,
        pendingBytes: Buffer.byteLength(r.tail.pending),
        modifiedMs: lastWriteMs(r.entry.dir) ?? 0,
        info: r.info,
      })),
      experiments: this.experiments.map((e) => ({ id: e.id, name: e.name, dir: shownPath(e.dir) })),
    };
  }

  /** A run's curves so far (undefined: no such run). */
  metrics(id: string): { count: number; columns: Columns } | undefined {
    const r = this.runs.get(id);
    return r && { count: r.count, columns: r.columns };
  }

  experimentDir(id: string): string | undefined {
    return this.experiments.find((e) => e.id === id)?.dir;
  }

  close(): void {
    clearInterval(this.ticker);
    for (const r of this.runs.values()) this.drop(r);
    this.runs.clear();
    this.listeners.clear();
  }

  private emit(e: HubEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  private tick(): void {
    this.rescan();
    const all = ++this.ticks % IDLE_TICKS === 0;
    for (const r of this.runs.values()) if (all || r.info.state === 'running') this.refresh(r);
  }

  private rescan(): void {
    const scan: Scan = scanRoots(this.roots);
    let changed = JSON.stringify(scan.notes) !== JSON.stringify(this.notes);
    changed ||= JSON.stringify(scan.experiments) !== JSON.stringify(this.experiments);
    this.notes = scan.notes;
    this.experiments = scan.experiments;
    const ids = new Set(scan.runs.map((e) => e.id));
    for (const [id, r] of this.runs)
      if (!ids.has(id)) {
        this.drop(r);
        this.runs.delete(id);
        changed = true;
      }
    for (const entry of scan.runs)
      if (!this.runs.has(entry.id)) {
        this.runs.set(entry.id, this.open(entry));
        changed = true;
      }
    if (changed) this.emit({ type: 'state' });
  }

  private open(entry: RunEntry): LiveRun {
    const info = readRunInfo(entry.dir);
    const r: LiveRun = {
      entry,
      tail: new JsonlTail(join(entry.dir, 'metrics.jsonl')),
      columns: emptyColumns(),
      count: 0,
      prevSeconds: null,
      badLines: 0,
      info,
      infoJson: JSON.stringify(info),
    };
    this.readMetrics(r);
    try {
      r.watcher = watch(entry.dir, () => this.soon(r));
      r.watcher.on('error', () => r.watcher?.close()); // the directory was deleted: the tick drops the run
    } catch {
      // not watchable (gone already): the tick still reads it
    }
    return r;
  }

  private drop(r: LiveRun): void {
    r.watcher?.close();
    clearTimeout(r.timer);
  }

  private soon(r: LiveRun): void {
    if (r.timer) return;
    r.timer = setTimeout(() => {
      r.timer = undefined;
      if (this.runs.get(r.entry.id) === r) this.refresh(r);
    }, SETTLE_MS);
  }

  /** New records (sent as columns), then the run's status and files when they changed. */
  private refresh(r: LiveRun): void {
    const grew = this.readMetrics(r);
    const info = readRunInfo(r.entry.dir);
    const json = JSON.stringify(info);
    if (json !== r.infoJson || grew) {
      r.info = info;
      r.infoJson = json;
      const pendingBytes = Buffer.byteLength(r.tail.pending);
      this.emit({ type: 'run', id: r.entry.id, info, count: r.count, badLines: r.badLines, pendingBytes });
    }
  }

  /** Reads what was appended to metrics.jsonl; true when there was anything (a part of a line too). */
  private readMetrics(r: LiveRun): boolean {
    let read: ReturnType<JsonlTail['read']>;
    const before = r.tail.bytesRead;
    try {
      read = r.tail.read();
    } catch {
      return false; // vanished between stat and open: next time
    }
    if (read.reset) {
      r.columns = emptyColumns();
      r.count = 0;
      r.prevSeconds = null;
      r.badLines = 0;
      this.emit({ type: 'reset', id: r.entry.id });
    }
    r.badLines += read.badLines;
    if (read.records.length === 0) return read.reset || r.tail.bytesRead !== before;
    const cols = toColumns(read.records, r.count, r.prevSeconds);
    const from = r.count;
    appendColumns(r.columns, cols);
    r.count += read.records.length;
    const secs = cols.seconds?.filter((s) => s !== null) ?? [];
    if (secs.length) r.prevSeconds = secs[secs.length - 1] ?? r.prevSeconds;
    this.emit({ type: 'metrics', id: r.entry.id, from, columns: cols });
    return true;
  }
}

// Where a run's metrics go: a JSONL file, a progress bar on stderr, and the final summary.json.
// The training loops call reporters; they never print or write files themselves.
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Metrics } from '../types.ts';

export interface Reporter {
  onIteration(m: Metrics): void;
  /** The run finished: the summary. */
  onEnd?(summary: Metrics): void;
  /** Progress inside a long iteration, e.g. offspring evaluated so far. */
  onPartial?(done: number, total: number, what: string): void;
  /** Always called last, also when the run failed: release terminals, timers, files. */
  close?(): void;
}

/** Writes `obj` as pretty JSON atomically (temp file, then rename). */
export function writeJsonAtomic(path: string, obj: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(obj, null, 2)}\n`);
  renameSync(tmp, path);
}

/** metrics.jsonl (one line per iteration) and summary.json in the run directory. */
export function fileReporter(dir: string): Reporter {
  mkdirSync(dir, { recursive: true });
  const metricsPath = join(dir, 'metrics.jsonl');
  writeFileSync(metricsPath, '');
  return {
    onIteration: (m) => appendFileSync(metricsPath, `${JSON.stringify(m)}\n`),
    onEnd: (summary) => writeJsonAtomic(join(dir, 'summary.json'), summary),
  };
}

const fmt = (v: unknown, digits: number): string => (typeof v === 'number' ? v.toFixed(digits) : '-');

/** A progress bar with iteration, loss, last test accuracy and ETA (periodic lines when not a TTY). */
export function progressReporter(total: number, label: string): Reporter {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {value}/{total} | loss {loss} | test acc {acc} | {extra}ETA {eta_formatted}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 10_000,
      etaBuffer: 50,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let acc = '-';
  bar.start(total, 0, { loss: '-', acc, extra: '' });
  return {
    onIteration(m) {
      if (typeof m.testAccuracy === 'number') acc = `${(100 * m.testAccuracy).toFixed(2)}%`;
      const extra = typeof m.corr === 'number' ? `ρ ${(100 * m.corr).toFixed(2)}% | ` : '';
      bar.update(Number(m.iter), { loss: fmt(m.loss, 4), acc, extra });
    },
    onPartial(done, total, what) {
      bar.update({ extra: done < total ? `${what} ${done}/${total} | ` : '' });
    },
    close: () => bar.stop(),
  };
}

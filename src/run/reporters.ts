// Where a run's metrics go: a JSONL file, a progress bar on stderr, and the final summary.json.
// The training loops call reporters; they never print or write files themselves.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Metrics } from '../types.ts';
import { csvReporter } from './csv.ts';
import { appendText, syncFile, writeFileAtomic } from './files.ts';
import type { Reporter } from './reporter.ts';

/** Writes `obj` as pretty JSON atomically (temp file, then rename). */
export function writeJsonAtomic(path: string, obj: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(obj, null, 2)}\n`);
}

/**
 * metrics.jsonl (one line per iteration), metrics.csv (the same records as a table) and summary.json
 * in the run directory. A resumed run's files start with its `history` (the records before its
 * checkpoint) and go on after them.
 */
export function fileReporter(dir: string, history: readonly Metrics[] = []): Reporter {
  mkdirSync(dir, { recursive: true });
  const metricsPath = join(dir, 'metrics.jsonl');
  writeFileAtomic(metricsPath, history.map((m) => `${JSON.stringify(m)}\n`).join(''));
  const csv = csvReporter(join(dir, 'metrics.csv'), history);
  return {
    onIteration(m, thetaP) {
      appendText(metricsPath, `${JSON.stringify(m)}\n`);
      csv.onIteration(m, thetaP);
    },
    onEnd: (summary) => writeJsonAtomic(join(dir, 'summary.json'), summary),
    sync() {
      syncFile(metricsPath);
      csv.sync?.();
    },
  };
}

/** A reporter calling `fn` with each iteration's record and θ (library callbacks). */
export const callbackReporter = (fn: Reporter['onIteration']): Reporter => ({ onIteration: fn });

const fmt = (v: unknown, digits: number): string => (typeof v === 'number' ? v.toFixed(digits) : '-');

/** A progress bar with iteration, loss, last test accuracy and ETA (periodic lines when not a TTY). */
export function progressReporter(total: number, label: string, startAt = 0): Reporter {
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
  bar.start(total, startAt, { loss: '-', acc, extra: '' });
  return {
    onIteration(m) {
      if (typeof m.subsetTestAccuracy === 'number')
        acc = `${(100 * m.subsetTestAccuracy).toFixed(2)}% (subset)`;
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

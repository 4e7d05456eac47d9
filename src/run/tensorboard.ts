// TensorBoard event files of a run (--tensorboard, in <out>/tensorboard/): per iteration (the step)
// test accuracy and loss, training loss, ρ, gradient norm, seconds per iteration and offspring/s.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Metrics } from '../types.ts';
import type { Reporter } from './reporter.ts';
import { encodeEvent, type Scalar, tfRecord } from './tfrecord.ts';

/** The run directory's folder of event files. */
export const TENSORBOARD_DIR = 'tensorboard';

/** Metrics record keys shown in TensorBoard, and their tags. */
export const SCALAR_TAGS: readonly (readonly [key: string, tag: string])[] = [
  ['testAccuracy', 'test/accuracy'],
  ['testLoss', 'test/loss'],
  ['subsetTestAccuracy', 'test/subset_accuracy'],
  ['subsetTestLoss', 'test/subset_loss'],
  ['loss', 'train/loss'],
  ['trainAccuracy', 'train/accuracy'],
  ['corr', 'gradient/corr'],
  ['gradNorm', 'gradient/norm'],
  ['trueGradNorm', 'gradient/true_norm'],
];

/**
 * The scalars of one record: its numeric fields of SCALAR_TAGS, the seconds it took (from the
 * previous record's `seconds`) and, given the evaluations per iteration, offspring per second.
 */
export function tensorboardScalars(r: Metrics, prevSeconds: number, population?: number): Scalar[] {
  const out: Scalar[] = [];
  for (const [key, tag] of SCALAR_TAGS) {
    const v = r[key];
    if (typeof v === 'number') out.push({ tag, value: v });
  }
  if (typeof r.seconds === 'number') {
    const dt = r.seconds - prevSeconds;
    out.push({ tag: 'speed/seconds_per_iteration', value: dt });
    if (population !== undefined && dt > 0)
      out.push({ tag: 'speed/offspring_per_second', value: population / dt });
  }
  return out;
}

export interface TensorboardOptions {
  /** ES: evaluations per iteration (for offspring/s). */
  readonly population?: number;
  /** Wall-clock seconds since the epoch (tests). */
  readonly now?: () => number;
}

/**
 * A new event file in `dir` replacing older ones: `history` (a resumed run's records so far, their
 * wall times placed on the run's clock ending now), then an event per iteration with its step `iter`.
 */
export function tensorboardReporter(
  dir: string,
  history: readonly Metrics[] = [],
  o: TensorboardOptions = {},
): Reporter {
  const now = o.now ?? (() => Date.now() / 1000);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir))
    if (name.includes('tfevents')) rmSync(join(dir, name), { force: true });
  const start = now();
  const fd = openSync(join(dir, `events.out.tfevents.${Math.floor(start)}.${hostname()}`), 'w');
  const write = (wallTime: number, step: number, body: Parameters<typeof encodeEvent>[2]): void => {
    writeSync(fd, tfRecord(encodeEvent(wallTime, step, body)));
  };
  let prevSeconds = 0;
  const record = (r: Metrics, wallTime: number): void => {
    write(wallTime, Number(r.iter), { scalars: tensorboardScalars(r, prevSeconds, o.population) });
    if (typeof r.seconds === 'number') prevSeconds = r.seconds;
  };
  try {
    write(start, 0, { fileVersion: 'brain.Event:2' });
    const last = history.at(-1)?.seconds;
    const origin = start - (typeof last === 'number' ? last : 0);
    for (const r of history) record(r, origin + (typeof r.seconds === 'number' ? r.seconds : 0));
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return {
    onIteration: (m) => record(m, now()),
    sync: () => fsyncSync(fd),
    close: () => closeSync(fd),
  };
}

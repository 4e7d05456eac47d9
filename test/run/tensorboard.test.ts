// TensorBoard event files, read back by the tests' own TFRecord and protobuf reader: the file version
// first, then one event per iteration with its scalars; a resumed run's file holds each step once.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SCALAR_TAGS, tensorboardReporter, tensorboardScalars } from '../../src/run/tensorboard.ts';
import type { Metrics } from '../../src/types.ts';
import { readEventDir } from './readers.ts';

const theta = new Float32Array(1);
const records: Metrics[] = [1, 2, 3, 4, 5, 6].map((iter) => ({
  iter,
  loss: 2 / iter,
  gradNorm: 10 + iter,
  seconds: 0.25 * iter * iter,
  ...(iter % 2 === 0 ? { corr: 0.01 * iter } : {}),
  ...(iter % 3 === 0 ? { testAccuracy: 0.1 * iter, testLoss: 3 - iter / 3 } : {}),
}));

/** The scalars TensorBoard should show for record i, computed from the record here. */
function expectedScalars(i: number, population?: number): Record<string, number> {
  const r = records[i]!;
  const dt = (r.seconds as number) - (i === 0 ? 0 : (records[i - 1]!.seconds as number));
  const out: Record<string, number> = {};
  for (const [key, tag] of [
    ['testAccuracy', 'test/accuracy'],
    ['testLoss', 'test/loss'],
    ['loss', 'train/loss'],
    ['corr', 'gradient/corr'],
    ['gradNorm', 'gradient/norm'],
  ] as const) {
    if (typeof r[key] === 'number') out[tag] = Math.fround(r[key] as number);
  }
  out['speed/seconds_per_iteration'] = Math.fround(dt);
  if (population !== undefined) out['speed/offspring_per_second'] = Math.fround(population / dt);
  return out;
}

describe('tensorboard event files', () => {
  it('start with the file version, then hold every iteration’s scalars at its step', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'esgrad-tb-')), 'tensorboard');
    let clock = 1_700_000_000.5;
    const r = tensorboardReporter(dir, [], { population: 200, now: () => (clock += 1) });
    for (const m of records) r.onIteration(m, theta);
    r.sync?.();
    r.close?.();
    const events = readEventDir(dir);
    assert.equal(events[0]!.fileVersion, 'brain.Event:2');
    assert.equal(events[0]!.wallTime, 1_700_000_001.5);
    assert.deepEqual(
      events.slice(1).map((e) => e.step),
      records.map((m) => m.iter),
    );
    events.slice(1).forEach((e, i) => {
      assert.deepEqual(e.scalars, expectedScalars(i, 200));
      assert.equal(e.wallTime, 1_700_000_002.5 + i);
    });
  });

  it('a resumed run’s file replaces the old one and holds each step once, history first', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'esgrad-tb-')), 'tensorboard');
    const first = tensorboardReporter(dir, [], { now: () => 1000 });
    for (const m of records) first.onIteration(m, theta); // ran to 6, its checkpoint was at 4
    first.close?.();
    const resumed = tensorboardReporter(dir, records.slice(0, 4), { now: () => 2000 });
    for (const m of records.slice(4)) resumed.onIteration(m, theta);
    resumed.close?.();
    assert.equal(readdirSync(dir).length, 1);
    const events = readEventDir(dir).slice(1);
    assert.deepEqual(
      events.map((e) => e.step),
      [1, 2, 3, 4, 5, 6],
    );
    for (const [i, e] of events.entries()) assert.deepEqual(e.scalars, expectedScalars(i));
    // the history's wall times lie on the run's clock, ending when the run was resumed
    events.slice(0, 4).forEach((e, i) => {
      assert.equal(e.wallTime, 2000 - (records[3]!.seconds as number) + (records[i]!.seconds as number));
    });
  });

  it('maps only numeric fields, and never a field it has no tag for', () => {
    const s = tensorboardScalars({ iter: 1, loss: 'x', corr: null, rewardMean: 3, seconds: 2 }, 0.5);
    assert.deepEqual(s, [{ tag: 'speed/seconds_per_iteration', value: 1.5 }]);
    assert.ok(SCALAR_TAGS.every(([, tag]) => /^[a-z]+\/[a-z_]+$/.test(tag)));
  });
});

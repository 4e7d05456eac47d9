// A full disk while a run writes its files (simulated with /dev/full, which fails every write with
// ENOSPC): one line naming the file, no temp file left, no completed iteration lost; temp files of
// killed runs are removed on the next start.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/run/checkpoint.ts';
import { parseTrainConfig } from '../../src/run/config.ts';
import { appendText, removeStaleTempFiles, writeFileAtomic } from '../../src/run/files.ts';
import { resumeConfig } from '../../src/run/resume.ts';
import { train } from '../../src/run/train.ts';
import { type Metrics, UsageError } from '../../src/types.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-disk-full-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const ENOSPC = (path: string) =>
  new RegExp(
    `^cannot write ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no space left on the device \\(ENOSPC\\)$`,
  );

/** A pid that ran and has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

const records = (dir: string): Metrics[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Metrics);
const withoutClock = (ms: readonly Metrics[]) => ms.map(({ seconds: _, ...m }) => m);

describe('a full disk', () => {
  it('writeFileAtomic: one line naming the file, the old file intact, no temp file left', () => {
    const path = join(tmp, 'summary.json');
    writeFileSync(path, 'old');
    symlinkSync('/dev/full', `${path}.tmp-${process.pid}`);
    assert.throws(
      () => writeFileAtomic(path, 'new contents'),
      (e) => e instanceof UsageError && ENOSPC(path).test(e.message),
    );
    assert.equal(readFileSync(path, 'utf8'), 'old');
    assert.deepEqual(
      readdirSync(tmp).filter((n) => n.includes('.tmp-')),
      [],
    );
  });

  it('appendText: one line naming the file', () => {
    const path = join(tmp, 'full.jsonl');
    symlinkSync('/dev/full', path);
    assert.throws(
      () => appendText(path, '{}\n'),
      (e) => e instanceof UsageError && ENOSPC(path).test(e.message),
    );
  });

  it('a failed metrics write keeps its iteration in the checkpoint; the resumed run equals an uninterrupted one', async () => {
    const config = (out: string) =>
      parseTrainConfig({ model: 'mlp', iters: 6, batch: 16, evalEvery: 2, out, dataDir: MNIST_DIR });
    const whole = join(tmp, 'whole');
    await train(config(whole), { quiet: true });

    const out = join(tmp, 'full');
    const metrics = join(out, 'metrics.jsonl');
    const kept = join(tmp, 'metrics-kept.jsonl');
    // After iteration 2's record is written, the disk "fills up": metrics.jsonl becomes /dev/full.
    const onIteration = (m: Metrics): void => {
      if (m.iter !== 2) return;
      renameSync(metrics, kept);
      symlinkSync('/dev/full', metrics);
    };
    await assert.rejects(
      train(config(out), { quiet: true, onIteration }),
      (e) => e instanceof UsageError && ENOSPC(metrics).test(e.message),
    );
    const saved = readCheckpoint(out);
    assert.equal(saved.loop.iteration, 3, 'the checkpoint holds the iteration whose record failed');
    assert.deepEqual(withoutClock(saved.loop.unwritten ?? []), withoutClock(records(whole).slice(2, 3)));
    // The user frees the disk (metrics.jsonl is back, with its 2 records) and resumes.
    rmSync(metrics);
    renameSync(kept, metrics);
    await train(resumeConfig(out, {}), { quiet: true, resume: true });
    assert.deepEqual(withoutClock(records(out)), withoutClock(records(whole)));
    const summary = (dir: string) => {
      const { seconds: _, ...s } = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      return { ...s, out: undefined };
    };
    assert.deepEqual(summary(out), summary(whole));
  });

  it('temp files of killed runs are removed at the next start; a live process’s and the user’s stay', () => {
    const dir = mkdtempSync(join(tmp, 'stale-'));
    const dead = deadPid();
    const stale = [`checkpoint.bin.tmp-${dead}`, `metrics.csv.tmp-${dead}`];
    const kept = [`checkpoint.bin.tmp-${process.pid}`, `notes.txt.tmp-${dead}`, 'checkpoint.bin'];
    for (const n of [...stale, ...kept]) writeFileSync(join(dir, n), 'x');
    assert.deepEqual(removeStaleTempFiles(dir, ['checkpoint.bin', 'metrics.csv']).sort(), stale.sort());
    assert.deepEqual(readdirSync(dir).sort(), kept.sort());
    assert.deepEqual(removeStaleTempFiles(join(tmp, 'nowhere'), ['checkpoint.bin']), []);
  });
});

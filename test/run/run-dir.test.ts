// Run directories: a run is never overwritten unless asked, --overwrite removes only esgrad's files,
// a file in the way is a UsageError, default names never collide; "did you mean" finds slips.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { closestName, editDistance } from '../../src/run/did-you-mean.ts';
import {
  checkRunDir,
  clearRunDir,
  fileInTheWay,
  freeRunDir,
  makeRunDir,
  RUN_FILES,
  RUN_MARKERS,
} from '../../src/run/run-dir.ts';
import { UsageError } from '../../src/types.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-run-dir-'));

describe('checkRunDir', () => {
  it('accepts a missing or an empty directory, and one with only other files', () => {
    checkRunDir(join(tmp, 'missing', 'deeper'));
    mkdirSync(join(tmp, 'empty'));
    checkRunDir(join(tmp, 'empty'));
    mkdirSync(join(tmp, 'notes'));
    writeFileSync(join(tmp, 'notes', 'README.txt'), 'mine');
    checkRunDir(join(tmp, 'notes'));
  });

  it('refuses a directory holding any one run file, unless resuming or overwriting', () => {
    for (const marker of RUN_MARKERS) {
      const dir = join(tmp, `run-${marker}`);
      mkdirSync(dir);
      writeFileSync(join(dir, marker), '');
      assert.throws(
        () => checkRunDir(dir),
        (e) => e instanceof UsageError && e.message.includes(marker) && e.message.includes('--overwrite'),
      );
      checkRunDir(dir, { overwrite: true });
      checkRunDir(dir, { resume: true });
    }
  });

  it('suggests --resume only when the run has a checkpoint', () => {
    const resumable = join(tmp, 'run-checkpoint.bin');
    assert.throws(() => checkRunDir(resumable), new RegExp(`--resume ${resumable}`));
    assert.throws(
      () => checkRunDir(join(tmp, 'run-summary.json')),
      (e) => e instanceof Error && !e.message.includes('--resume'),
    );
  });

  it('names a file standing at the path or at any parent, even when overwriting', () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    assert.equal(fileInTheWay(file), file);
    assert.equal(fileInTheWay(join(file, 'sub', 'run')), file);
    assert.equal(fileInTheWay(join(tmp, 'missing', 'x')), undefined);
    for (const out of [file, join(file, 'sub', 'run')]) {
      assert.throws(
        () => checkRunDir(out, { overwrite: true }),
        (e) => e instanceof UsageError && e.message.includes(file) && !e.message.includes('\n'),
      );
    }
    assert.throws(() => makeRunDir(join(file, 'x')), UsageError);
  });
});

describe('clearRunDir', () => {
  it("removes esgrad's files (and their temporary files), keeps the user's", () => {
    const dir = join(tmp, 'full');
    mkdirSync(join(dir, 'tensorboard'), { recursive: true });
    writeFileSync(join(dir, 'tensorboard', 'events.out.tfevents.1.host'), '');
    for (const f of RUN_FILES.filter((f) => f !== 'tensorboard')) writeFileSync(join(dir, f), '');
    writeFileSync(join(dir, 'metrics.jsonl.tmp-123'), '');
    const mine = ['notes.txt', 'config.json.bak', 'metrics.jsonl.orig'];
    for (const f of mine) writeFileSync(join(dir, f), '');
    clearRunDir(dir);
    assert.deepEqual(readdirSync(dir).sort(), [...mine].sort());
    checkRunDir(dir);
  });
});

describe('freeRunDir', () => {
  it('returns the name itself when free, else the first free numbered sibling', () => {
    const base = join(tmp, 'default');
    assert.equal(freeRunDir(base), base);
    mkdirSync(base);
    mkdirSync(`${base}-2`);
    const free = freeRunDir(base);
    assert.equal(free, `${base}-3`);
    assert.ok(!existsSync(free));
  });
});

/** The edit distance by its recursive definition (memoised), to check the dynamic programme. */
function reference(a: string, b: string): number {
  const memo = new Map<string, number>();
  const d = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const k = `${i},${j}`;
    if (!memo.has(k)) {
      memo.set(
        k,
        Math.min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1)),
      );
    }
    return memo.get(k)!;
  };
  return d(a.length, b.length);
}

describe('did you mean', () => {
  it('editDistance agrees with the recursive definition on random strings', () => {
    let s = 7;
    const rand = (n: number): number => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s % n;
    };
    const word = (): string => Array.from({ length: rand(9) }, () => 'abc'[rand(3)]).join('');
    for (let i = 0; i < 300; i++) {
      const [a, b] = [word(), word()];
      assert.equal(editDistance(a, b), reference(a, b), `${a} / ${b}`);
    }
  });

  it('finds the known name of a slip, ignoring case, hyphens and underscores; nothing for a stranger', () => {
    const known = ['population', 'evalEvery', 'corrEvery', 'iters', 'seed'];
    assert.equal(closestName('populaton', known), 'population');
    assert.equal(closestName('eval-every', known), 'evalEvery');
    assert.equal(closestName('corr_every', known), 'corrEvery');
    assert.equal(closestName('iter', known), 'iters');
    assert.equal(closestName('datasetLabel', known), undefined);
    assert.equal(closestName('xyz', known), undefined);
  });
});

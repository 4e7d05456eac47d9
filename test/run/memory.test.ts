// The ES memory check: a population whose per-iteration buffers exceed half the machine (or Node's
// heap limit) is refused before a run starts, in one line saying how much it needs and what fits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEsMemory, ES_BYTES_PER_OFFSPRING } from '../../src/run/memory.ts';
import { optimize } from '../../src/run/optimize.ts';
import { UsageError } from '../../src/types.ts';
import { SPHERE } from '../fixtures/objectives.ts';

const GB = 2 ** 30;

describe('checkEsMemory', () => {
  it('lets a population pass that fits half the machine and the heap limit', () => {
    checkEsMemory(10_000, { totalBytes: 8 * GB, heapLimitBytes: 4 * GB });
    checkEsMemory((4 * GB) / ES_BYTES_PER_OFFSPRING, { totalBytes: 8 * GB, heapLimitBytes: 4 * GB });
  });

  it('refuses more than half the machine, saying what it needs and what fits', () => {
    assert.throws(
      () => checkEsMemory(100_000_000, { totalBytes: 16 * GB, heapLimitBytes: 64 * GB }),
      (e: Error) =>
        e instanceof UsageError &&
        /^--population 100000000: an ES iteration would need about 37 GB .* more than 8\.0 GB, half of this machine's 16 GB; use at most 21,474,836$/.test(
          e.message,
        ),
    );
  });

  it("names Node's heap limit when that is the smaller bound", () => {
    assert.throws(
      () => checkEsMemory(2_000_000_000, { totalBytes: 64 * GB, heapLimitBytes: 4 * GB }),
      /need about 745 GB .* more than Node's heap limit of 4\.0 GB \(raise it with NODE_OPTIONS=--max-old-space-size=MB\); use at most 10,737,418$/,
    );
  });

  it('optimize() refuses a population too large for this machine before evaluating anything', async () => {
    await assert.rejects(
      optimize(SPHERE, [1, 2, 3], { direction: 'minimize', iterations: 1, population: 2_000_000_000 }),
      (e: Error) =>
        e instanceof UsageError && /^population 2000000000: an ES iteration would need/.test(e.message),
    );
  });
});

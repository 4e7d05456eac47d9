// The ES memory check: a run whose offspring buffers, noise table (and its spectrum when the FFT
// aggregates) and parameter buffers exceed half the machine, or whose offspring exceed Node's heap, is
// refused before it starts, in one line saying how much it needs, by part, and what fits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Architecture, activationFloats } from '../../src/model/architecture.ts';
import {
  checkEsMemory,
  ES_BYTES_PER_OFFSPRING,
  esMemory,
  populationActivationBytes,
  THREAD_BASE_BYTES,
} from '../../src/run/memory.ts';
import { optimize } from '../../src/run/optimize.ts';
import { UsageError } from '../../src/types.ts';
import { SPHERE } from '../fixtures/objectives.ts';

const GB = 2 ** 30;
const small = { noiseTableSize: 1024, params: 10, mirrored: true };

describe('checkEsMemory', () => {
  it('counts each part: offspring, table, the FFT spectrum only when the FFT aggregates, 5 float32 vectors of θ', () => {
    // 10,000 mirrored offspring (5,000 offsets) over cnn-3m's P in a 2^25 table: the FFT (from 727 offsets).
    const fft = esMemory(
      { population: 10_000, noiseTableSize: 2 ** 25, params: 3_274_634, mirrored: true },
      24 * GB,
    );
    assert.deepEqual(fft, {
      offspring: 10_000 * 400,
      table: 4 * 2 ** 25,
      spectrum: 24 * 2 ** 25,
      parameters: 20 * 3_274_634,
      threads: 0,
    });
    // 100 offspring: the direct sum, no spectrum.
    const blocked = esMemory(
      { population: 100, noiseTableSize: 2 ** 25, params: 3_274_634, mirrored: true },
      24 * GB,
    );
    assert.equal(blocked.spectrum, 0);
  });

  it('counts each evaluator thread with the activations of its population-graph call', () => {
    // [1,4,4] → conv 2×3×3 same [2,4,4] → relu → maxpool 2 [2,2,2] → flatten [8] → dense 3: 16+32+32+8+8+3.
    const arch: Architecture = {
      name: 'tiny',
      inputCHW: [1, 4, 4],
      layers: [
        { kind: 'conv2d', filters: 2, kernel: 3 },
        { kind: 'relu' },
        { kind: 'maxpool', kernel: 2 },
        { kind: 'flatten' },
        { kind: 'dense', units: 3 },
      ],
    };
    assert.equal(activationFloats(arch), 99);
    const activationBytes = populationActivationBytes(99, 10, 50); // 10 copies × 50 images × 99 floats
    assert.equal(activationBytes, 4 * 99 * 10 * 50);
    const m = esMemory({ ...small, population: 100, evaluatorThreads: 3, activationBytes });
    assert.equal(m.threads, 3 * (THREAD_BASE_BYTES + 198_000));
    assert.throws(
      () =>
        checkEsMemory(
          { ...small, population: 100, evaluatorThreads: 64, activationBytes: 2 ** 30 },
          { totalBytes: 64 * GB, heapLimitBytes: 4 * GB },
        ),
      /need about 68 GB \(.*, 68 GB for 64 evaluator thread\(s\) and their activations\), more than 32 GB, half of this machine's 64 GB; use a smaller --noise-table-size or model, or fewer --workers$/,
    );
  });

  it('lets a run pass that fits half the machine and the heap limit', () => {
    checkEsMemory({ ...small, population: 10_000 }, { totalBytes: 8 * GB, heapLimitBytes: 4 * GB });
    const most = (4 * GB) / ES_BYTES_PER_OFFSPRING - 2; // the offspring fill the heap but for the rest
    checkEsMemory({ ...small, population: most }, { totalBytes: 16 * GB, heapLimitBytes: 4 * GB });
  });

  it('refuses more than half the machine, saying what it needs by part and what fits', () => {
    assert.throws(
      () =>
        checkEsMemory(
          { ...small, population: 100_000_000 },
          { totalBytes: 16 * GB, heapLimitBytes: 64 * GB },
        ),
      (e: Error) =>
        e instanceof UsageError &&
        /^--population 100000000: the run would need about 37 GB \(37 GB for its offspring \(~400 bytes each\), 1 MB for the noise table, 1 MB for θ and the optimizer\), more than 8\.0 GB, half of this machine's 16 GB; use at most 21,474,8\d\d$/.test(
          e.message,
        ),
      'offspring',
    );
    // A 4 GiB table on a 6 GiB machine: no population fits; the message says what to shrink.
    assert.throws(
      () =>
        checkEsMemory(
          { population: 100, noiseTableSize: 2 ** 30, params: 3_274_634, mirrored: true },
          { totalBytes: 6 * GB, heapLimitBytes: 4 * GB },
        ),
      /need about 4\.1 GB \(1 MB for its offspring .*, 4\.0 GB for the noise table, 63 MB for θ and the optimizer\), more than 3\.0 GB, half of this machine's 6\.0 GB; use a smaller --noise-table-size or model, or fewer --workers$/,
    );
  });

  it("names Node's heap limit when the offspring exceed it", () => {
    assert.throws(
      () =>
        checkEsMemory(
          { ...small, population: 2_000_000_000 },
          { totalBytes: 2048 * GB, heapLimitBytes: 4 * GB },
        ),
      /need about 745 GB .* more than Node's heap limit of 4\.0 GB for the offspring \(raise it with NODE_OPTIONS=--max-old-space-size=MB\); use at most 10,737,418$/,
    );
  });

  it('optimize() refuses a population too large for this machine before evaluating anything', async () => {
    await assert.rejects(
      optimize(SPHERE, [1, 2, 3], { direction: 'minimize', iterations: 1, population: 2_000_000_000 }),
      (e: Error) => e instanceof UsageError && /^population 2000000000: the run would need/.test(e.message),
    );
  });
});

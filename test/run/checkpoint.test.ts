// Checkpoints: the file format round-trips optimizer state bit for bit and detects damage; a run
// killed with SIGKILL (or stopped with Ctrl-C) at a random iteration and resumed gives the metrics
// and summary of an uninterrupted run, for es, sgd and proxy.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Checkpoint,
  deserializeCheckpoint,
  serializeCheckpoint,
  writeCheckpoint,
} from '../../src/run/checkpoint.ts';
import { parseTrainConfig } from '../../src/run/config.ts';
import { train } from '../../src/run/train.ts';
import { BIN } from '../helpers/cli.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

const ENV = { ...process.env, ESGRAD_DATA_DIR: MNIST_DIR, ESGRAD_DEBUG: '' };
const tmp = mkdtempSync(join(tmpdir(), 'esgrad-ckpt-'));

const esgrad = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: ENV });
const lines = (dir: string): string[] =>
  existsSync(join(dir, 'metrics.jsonl'))
    ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
    : [];
const withoutTime = (dir: string) =>
  lines(dir).map((l) => {
    const { seconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });
const summaryWithoutTime = (dir: string) => {
  const { seconds: _s, ...rest } = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  return rest;
};

describe('checkpoint file', () => {
  const state = {
    thetaP: Float32Array.from([1.5, -0, NaN, 3e-39, -Infinity]),
    optState: [
      {},
      { count: 7, muP: Float32Array.from([0.1, 0.2]), nuP: new Float32Array(3) },
      Float64Array.from([Math.PI, -0]),
    ],
    generation: 7,
  };
  const c: Checkpoint = {
    config: { algo: 'es', model: 'mlp', seed: 1, lr: 0.001 },
    loop: { iteration: 7, best: 0.5, last: { loss: -0, accuracy: 0.5 }, seconds: 1.25 },
    state: state as unknown as Checkpoint['state'],
    rng: { seed: 1, streams: '' },
    sampler: { seed: 1, batchSize: 50, nextBatch: 7 },
    savedAt: 'now',
  };

  it('round-trips typed arrays, -0, NaN and ±Infinity bit for bit', () => {
    const back = deserializeCheckpoint(serializeCheckpoint(c));
    assert.deepStrictEqual(back, c);
    assert.ok(Object.is(back.loop.last!.loss, -0));
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer));
    assert.deepEqual(bits(back.state.thetaP), bits(state.thetaP));
  });

  it('refuses a damaged or foreign file with one line', () => {
    const bytes = serializeCheckpoint(c);
    bytes[bytes.length - 3]! ^= 1;
    assert.throws(() => deserializeCheckpoint(bytes), /damaged or was edited \(checksum mismatch\)/);
    assert.throws(
      () => deserializeCheckpoint(Buffer.from('hello world, not a checkpoint')),
      /not an esgrad checkpoint/,
    );
  });

  it('is written atomically (no temp file left behind)', () => {
    const dir = mkdtempSync(join(tmp, 'atomic-'));
    writeCheckpoint(dir, c);
    writeCheckpoint(dir, c);
    assert.deepEqual(readdirSync(dir), ['checkpoint.bin']);
  });
});

describe('resume after SIGKILL at a random iteration is bit-identical', () => {
  const cases: [string, string[]][] = [
    [
      'es',
      [
        '--algo',
        'es',
        '--evaluator',
        'local',
        '--population',
        '20',
        '--noise-table-size',
        '1000000',
        '--corr-every',
        '7',
      ],
    ],
    ['sgd', ['--algo', 'sgd', '--corr-every', '5']],
  ];
  for (const [algo, extra] of cases) {
    it(algo, async () => {
      const iters = 400;
      const args = [
        'train',
        '--model',
        'mlp',
        '--iters',
        String(iters),
        '--batch',
        '32',
        '--eval-every',
        '25',
        '--seed',
        '5',
        '--quiet',
        ...extra,
      ];
      const full = join(tmp, `${algo}-full`),
        cut = join(tmp, `${algo}-cut`);
      assert.equal(esgrad(...args, '--out', full).status, 0);
      const killAt = 20 + Math.floor(Math.random() * 300);
      const child = spawn(process.execPath, [BIN, ...args, '--out', cut, '--checkpoint-every', '3'], {
        env: ENV,
        stdio: 'ignore',
      });
      const exited = new Promise<string | null>((r) => child.once('exit', (_code, signal) => r(signal)));
      while (lines(cut).length < killAt && child.exitCode === null) await sleep(2);
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL', `the run ended before iteration ${killAt}`);
      const killedAt = lines(cut).length;
      assert.ok(killedAt < iters, `killed at ${killedAt}`);
      const r = esgrad('train', '--resume', cut, '--quiet');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /resuming at iteration \d+ of 400/);
      assert.deepEqual(withoutTime(cut), withoutTime(full), `killed after ${killedAt} records`);
      assert.deepEqual(summaryWithoutTime(cut), summaryWithoutTime(full));
    });
  }
});

describe('Ctrl-C and resume', () => {
  it('SIGINT writes a checkpoint, says how to continue, exits 130; the resumed run is identical', async () => {
    const args = [
      'train',
      '--algo',
      'sgd',
      '--model',
      'mlp',
      '--iters',
      '3000',
      '--batch',
      '32',
      '--eval-every',
      '500',
      '--seed',
      '2',
      '--quiet',
    ];
    const dir = join(tmp, 'sigint'),
      full = join(tmp, 'sigint-full');
    const child = spawn(process.execPath, [BIN, ...args, '--out', dir], {
      env: ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    while (lines(dir).length < 50) await sleep(5);
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.match(
      out,
      new RegExp(
        `stopped at iteration (\\d+) of 3000; checkpoint written; continue with: esgrad train --resume ${dir}`,
      ),
    );
    assert.ok(!existsSync(join(dir, 'summary.json')), 'an unfinished run has no summary');
    assert.equal(esgrad('train', '--resume', dir, '--quiet').status, 0);
    assert.equal(esgrad(...args, '--out', full).status, 0);
    assert.deepEqual(withoutTime(dir), withoutTime(full));
  });

  it('proxy through the API: records after the last checkpoint are dropped, the resumed run equals an uninterrupted one', async () => {
    const base = {
      algo: 'proxy',
      model: 'mlp',
      batch: 20,
      evalEvery: 10,
      seed: 8,
      dataDir: MNIST_DIR,
      checkpointEvery: 4,
    };
    const full = join(tmp, 'proxy-full'),
      part = join(tmp, 'proxy-part');
    await train(parseTrainConfig({ ...base, iters: 40, out: full }), { quiet: true });
    // 13 iterations: checkpoint at 12; record 13 (with a final test evaluation) is not part of the longer run.
    await train(parseTrainConfig({ ...base, iters: 13, out: part }), { quiet: true });
    assert.equal(lines(part).length, 13);
    const s = await train(parseTrainConfig({ ...base, iters: 40, out: part }), { quiet: true, resume: true });
    assert.deepEqual(withoutTime(part), withoutTime(full));
    assert.deepEqual(summaryWithoutTime(part), summaryWithoutTime(full));
    assert.equal(s.iterations, 40);
  });

  it('refuses to change a setting that changes results; --iters may be extended', () => {
    const dir = join(tmp, 'extend');
    const args = [
      'train',
      '--algo',
      'sgd',
      '--model',
      'mlp',
      '--batch',
      '16',
      '--eval-every',
      '10',
      '--seed',
      '4',
      '--quiet',
    ];
    assert.equal(esgrad(...args, '--iters', '20', '--out', dir, '--checkpoint-every', '20').status, 0);
    const bad = esgrad('train', '--resume', dir, '--lr', '0.5');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--resume continues the saved run: --lr cannot be changed/);
    assert.equal(esgrad('train', '--resume', dir, '--iters', '30', '--quiet').status, 0);
    const whole = join(tmp, 'extend-whole');
    assert.equal(esgrad(...args, '--iters', '30', '--out', whole).status, 0);
    // Same records except where the 20-iteration run evaluated at its last iteration (20 is also a multiple of 10).
    assert.deepEqual(withoutTime(dir), withoutTime(whole));
    assert.equal(esgrad('train', '--resume', join(tmp, 'nowhere')).status, 2);
  });
});

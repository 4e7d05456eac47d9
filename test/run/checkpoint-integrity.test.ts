// Checkpoints that must not resume: one edited in its header (a setting, the iteration), one of
// another training set or model, one of an older format, one whose metrics.jsonl history is damaged;
// and SIGTERM stopping a run like Ctrl-C.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import {
  type Checkpoint,
  deserializeCheckpoint,
  readMetricsHistory,
  serializeCheckpoint,
} from '../../src/run/checkpoint.ts';
import { BIN, esgrad, oneLineError } from '../helpers/cli.ts';
import { MNIST_DIR } from '../helpers/data-dir.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-ckpt-integrity-'));
const SGD = ['train', '--algo', 'sgd', '--model', 'mlp', '--batch', '16', '--lr', '0.001', '--seed', '3'];
const records = (dir: string): string[] =>
  existsSync(join(dir, 'metrics.jsonl'))
    ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
    : [];
const withoutTime = (dir: string) =>
  records(dir).map((l) => {
    const { seconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });

/** A finished 20-iteration run in `dir` with its checkpoint (extra: more train flags). */
function trainedRun(name: string, ...extra: string[]): string {
  const dir = join(tmp, name);
  const r = esgrad(...SGD, '--iters', '20', '--checkpoint-every', '10', '--quiet', '--out', dir, ...extra);
  assert.equal(r.code, 0, r.stderr);
  return dir;
}

/** `bytes` with the first occurrence of `from` (latin1) replaced by `to`, of the same length. */
function edited(bytes: Buffer, from: string, to: string): Buffer {
  const at = bytes.indexOf(from, 0, 'latin1');
  assert.ok(at >= 0, `${from} is in the checkpoint`);
  const copy = Buffer.from(bytes);
  copy.write(to, at, 'latin1');
  return copy;
}

describe('an edited checkpoint is refused', () => {
  const c: Checkpoint = {
    config: { algo: 'sgd', model: 'mlp', seed: 1, lr: 0.001, batch: 50 },
    loop: { iteration: 7, best: 0.5, last: { loss: 1, accuracy: 0.5 }, seconds: 1.25 },
    state: { thetaP: Float32Array.from([1, 2]), optState: { count: 7 } } as unknown as Checkpoint['state'],
    rng: { seed: 1, streams: '' },
    sampler: { seed: 1, batchSize: 50, nextBatch: 7 },
    savedAt: 'now',
    fingerprints: { data: 'a'.repeat(64), model: 'b'.repeat(64) },
  };
  for (const [from, to] of [
    ['"lr":0.001', '"lr":0.003'],
    ['"seed":1', '"seed":2'],
    ['"batch":50', '"batch":60'],
    ['"count":7', '"count":8'],
    ['"iteration":7', '"iteration":6'],
    ['"best":0.5', '"best":0.9'],
  ] as const) {
    it(`${from} -> ${to}`, () => {
      const bytes = serializeCheckpoint(c);
      assert.deepStrictEqual(deserializeCheckpoint(bytes), c);
      assert.throws(
        () => deserializeCheckpoint(edited(bytes, from, to), 'x/checkpoint.bin'),
        /^UsageError: x\/checkpoint\.bin: the checkpoint is damaged or was edited \(checksum mismatch\)$/,
      );
    });
  }

  it('by --resume: one line naming the file, exit 2', () => {
    const dir = trainedRun('edited-lr');
    const path = join(dir, 'checkpoint.bin');
    writeFileSync(path, edited(readFileSync(path), '"lr":0.001', '"lr":0.003'));
    oneLineError(
      esgrad('train', '--resume', dir, '--iters', '30', '--quiet'),
      new RegExp(`--resume ${path}: the checkpoint is damaged or was edited`),
    );
  });

  it('an older checkpoint (format 1, no fingerprints) is read, but not resumed', () => {
    const dir = trainedRun('format-1');
    const path = join(dir, 'checkpoint.bin');
    const now = readFileSync(path);
    const headerEnd = 48 + now.readUInt32LE(12);
    const { fingerprints: _f, ...body } = JSON.parse(now.toString('utf8', 48, headerEnd)) as Record<
      string,
      unknown
    >;
    const data = now.subarray(headerEnd + ((8 - (headerEnd % 8)) % 8));
    const header = Buffer.from(
      JSON.stringify({ sha256: createHash('sha256').update(data).digest('hex'), body }),
    );
    const head = Buffer.alloc(16);
    head.write('ESGRADCK', 0, 'latin1');
    head.writeUInt32LE(1, 8);
    head.writeUInt32LE(header.length, 12);
    const pad = Buffer.alloc((8 - ((16 + header.length) % 8)) % 8);
    writeFileSync(path, Buffer.concat([head, header, pad, data]));
    const old = deserializeCheckpoint(readFileSync(path));
    assert.equal(old.loop.iteration, 20);
    assert.deepEqual(old.state.thetaP, deserializeCheckpoint(now).state.thetaP);
    oneLineError(
      esgrad('train', '--resume', dir, '--iters', '30', '--quiet'),
      /records no fingerprints of its data and model, so it cannot be resumed/,
    );
  });
});

/** MNIST with only the first `count` training images, as raw IDX files in a new directory. */
function mnistWithFewerTrainingImages(count: number): string {
  const dir = join(tmp, `mnist-${count}`);
  mkdirSync(dir);
  for (const [name, headerBytes, bytesPerImage] of [
    ['train-images-idx3-ubyte', 16, 28 * 28],
    ['train-labels-idx1-ubyte', 8, 1],
  ] as const) {
    const idx = gunzipSync(readFileSync(join(MNIST_DIR, `${name}.gz`)));
    const cut = Buffer.from(idx.subarray(0, headerBytes + count * bytesPerImage));
    cut.writeUInt32BE(count, 4);
    writeFileSync(join(dir, name), cut);
  }
  for (const name of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'])
    copyFileSync(join(MNIST_DIR, name), join(dir, name));
  return dir;
}

describe('a damaged metrics.jsonl is refused on --resume', () => {
  it("a record cut short within the checkpoint's range: one line naming the file and line, exit 2", () => {
    const dir = trainedRun('damaged-metrics');
    const path = join(dir, 'metrics.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = lines[2]!.slice(0, 20); // a record cut short, as by a crash mid-write
    writeFileSync(path, lines.join('\n'));
    oneLineError(
      esgrad('train', '--resume', dir, '--iters', '30', '--quiet'),
      new RegExp(
        `^esgrad: --resume: ${path} line 3 is damaged \\(.*JSON.*\\); the checkpoint needs its first 20 records$`,
      ),
    );
  });

  it("an edited record within the checkpoint's range (valid JSON, another value) is refused; one after it is not", () => {
    const dir = trainedRun('edited-metrics');
    const path = join(dir, 'metrics.jsonl');
    const original = readFileSync(path, 'utf8');
    const lines = original.split('\n');
    const record = JSON.parse(lines[4]!) as Record<string, number>;
    lines[4] = JSON.stringify({ ...record, loss: record.loss! + 0.5 }); // an edited loss, still a valid record
    writeFileSync(path, lines.join('\n'));
    oneLineError(
      esgrad('train', '--resume', dir, '--iters', '30', '--quiet'),
      new RegExp(
        `^esgrad: --resume: ${path}: its first 20 records differ from those the checkpoint was written after \\(edited\\?\\); the checkpoint needs them as they were$`,
      ),
    );
    writeFileSync(path, original); // as written: the run continues
    const r = esgrad('train', '--resume', dir, '--iters', '30', '--quiet');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(records(dir).length, 30);
  });

  it('a line that is JSON but no record is named too; blank lines keep the numbering', () => {
    const dir = join(tmp, 'not-a-record');
    mkdirSync(dir);
    writeFileSync(join(dir, 'metrics.jsonl'), '{"iteration":1}\n\n[1,2]\n{"iteration":3}\n');
    assert.throws(
      () => readMetricsHistory(dir, 3),
      /^UsageError: --resume: .*metrics\.jsonl line 3 is not a metrics record/,
    );
    assert.deepEqual(readMetricsHistory(dir, 1), [{ iteration: 1 }]);
  });
});

describe('--resume refuses other data or another model', () => {
  it('another training set (--data-dir with fewer images, same test files)', () => {
    const dir = trainedRun('other-data');
    const fewer = mnistWithFewerTrainingImages(22_000);
    oneLineError(
      esgrad('train', '--resume', dir, '--iters', '30', '--data-dir', fewer, '--quiet'),
      new RegExp(`--resume ${dir}: the training data differ from the checkpoint's \\(sha256 \\w{12}… here`),
    );
    assert.equal(esgrad('train', '--resume', dir, '--iters', '30', '--quiet').code, 0); // the same data resume
  });

  it('another model behind the same --model file', () => {
    const spec = join(tmp, 'net.json');
    const net = (units: number) =>
      JSON.stringify({
        input: [1, 28, 28],
        layers: [
          { kind: 'flatten' },
          { kind: 'dense', units },
          { kind: 'relu' },
          { kind: 'dense', units: 10 },
        ],
      });
    writeFileSync(spec, net(16));
    const dir = trainedRun('other-model', '--model', spec);
    writeFileSync(spec, net(24));
    oneLineError(
      esgrad('train', '--resume', dir, '--iters', '30', '--quiet'),
      new RegExp(`--resume ${dir}: the model differs from the checkpoint's`),
    );
  });
});

describe('SIGTERM', () => {
  it('stops after the iteration, writes a checkpoint, exits 143; the resumed run is identical', async () => {
    const args = [...SGD, '--iters', '3000', '--eval-every', '500', '--quiet'];
    const dir = join(tmp, 'sigterm'),
      full = join(tmp, 'sigterm-full');
    const child = spawn(process.execPath, [BIN, ...args, '--out', dir], {
      env: { ...process.env, ESGRAD_DATA_DIR: MNIST_DIR, ESGRAD_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    while (records(dir).length < 50 && child.exitCode === null) await sleep(5);
    child.kill('SIGTERM');
    assert.equal(await exited, 143);
    const stopped = /stopped at iteration (\d+) of 3000; checkpoint written/.exec(out);
    assert.ok(stopped, out);
    assert.ok(Number(stopped[1]) < 3000);
    assert.equal(
      deserializeCheckpoint(readFileSync(join(dir, 'checkpoint.bin'))).loop.iteration,
      Number(stopped[1]),
    );
    assert.equal(esgrad('train', '--resume', dir, '--quiet').code, 0);
    assert.equal(esgrad(...args, '--out', full).code, 0);
    assert.deepEqual(withoutTime(dir), withoutTime(full));
  });
});

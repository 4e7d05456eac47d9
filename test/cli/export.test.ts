// `esgrad export` and `esgrad eval` as a user runs them: export from a checkpoint or the final files
// gives the run's own bytes, eval prints the run's accuracy, and bad input is one line with exit code 2.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { esgrad, oneLineError } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'esgrad-export-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** An SGD run of mlp in tmp/<name> (seed 5, so runs of different lengths share their first iterations). */
function sgdRun(name: string, iters: number, ...extra: string[]): string {
  const out = join(tmp, name);
  const r = esgrad(
    'train',
    '--algo',
    'sgd',
    '--model',
    'mlp',
    '--iters',
    String(iters),
    '--batch',
    '32',
    '--eval-every',
    '10',
    '--seed',
    '5',
    '--out',
    out,
    '--quiet',
    ...extra,
  );
  assert.equal(r.code, 0, r.stderr);
  return out;
}

const bytes = (path: string) => readFileSync(path);

/** A directory holding only the run's config.json and checkpoint.bin (no model files). */
function checkpointOnly(run: string, name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const f of ['config.json', 'checkpoint.bin']) copyFileSync(join(run, f), join(dir, f));
  return dir;
}

describe('esgrad export', () => {
  const full = sgdRun('full', 30, '--checkpoint-every', '30');

  it('writes the run’s model.onnx and theta.safetensors bytes, by default into the run directory', () => {
    const r = esgrad('export', full);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /model-iter30\.onnx: θ after iteration 30 \(from checkpoint\.bin\)/);
    assert.deepEqual(bytes(join(full, 'model-iter30.onnx')), bytes(join(full, 'model.onnx')));
    const st = join(tmp, 'full.safetensors');
    assert.equal(esgrad('export', full, '--format', 'safetensors', '--out', st).code, 0);
    assert.deepEqual(bytes(st), bytes(join(full, 'theta.safetensors')));
  });

  it('from a checkpoint alone gives the bytes of the run’s files at that iteration', () => {
    // The checkpoint at iteration 20 of a 30-iteration run vs. the final files of a 20-iteration run.
    const longer = sgdRun('longer', 30, '--checkpoint-every', '20');
    const shorter = sgdRun('shorter', 20);
    const dir = checkpointOnly(longer, 'ckpt20');
    for (const [format, file] of [
      ['onnx', 'model.onnx'],
      ['safetensors', 'theta.safetensors'],
    ] as const) {
      const out = join(tmp, `ckpt20-${file}`);
      const r = esgrad('export', dir, '--format', format, '--out', out);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /θ after iteration 20 \(from checkpoint\.bin\)/);
      assert.deepEqual(bytes(out), bytes(join(shorter, file)));
    }
    // With both there, the later θ wins: the final files at 30, not the checkpoint at 20.
    const r = esgrad('export', longer, '--out', join(tmp, 'longer.onnx'));
    assert.match(r.stdout, /θ after iteration 30 \(from theta\.safetensors\)/);
    assert.deepEqual(bytes(join(tmp, 'longer.onnx')), bytes(join(longer, 'model.onnx')));
  });

  it('reads a run without a checkpoint from its theta.safetensors', () => {
    const plain = sgdRun('plain', 10);
    const r = esgrad('export', plain, '--out', join(tmp, 'plain.onnx'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /from theta\.safetensors/);
    assert.deepEqual(bytes(join(tmp, 'plain.onnx')), bytes(join(plain, 'model.onnx')));
  });

  it('bad input is one line with exit code 2', () => {
    oneLineError(esgrad('export', join(tmp, 'nope')), /^esgrad: .*nope: no such run directory$/);
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    oneLineError(esgrad('export', empty), /empty: not an esgrad run directory \(no config\.json\)$/);
    writeFileSync(join(empty, 'config.json'), readFileSync(join(full, 'config.json')));
    oneLineError(
      esgrad('export', empty),
      /empty: no checkpoint\.bin or theta\.safetensors; runs write a checkpoint with --checkpoint-every k or on Ctrl-C$/,
    );
    oneLineError(esgrad('export', full, '--format', 'pt'), /^esgrad: --format pt: use onnx or safetensors$/);
    const damaged = checkpointOnly(full, 'damaged');
    writeFileSync(join(damaged, 'checkpoint.bin'), 'not a checkpoint');
    oneLineError(esgrad('export', damaged), /checkpoint\.bin: not an esgrad checkpoint$/);
  });
});

describe('esgrad eval', () => {
  const run = sgdRun('evaluated', 20);
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));

  it('prints the run’s own final test accuracy for its model.onnx', () => {
    const r = esgrad('eval', join(run, 'model.onnx'));
    assert.equal(r.code, 0, r.stderr);
    const m = /accuracy (\d+\.\d\d)% \((\d+)\/10000\)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(Number(m[2]) / 10000, summary.finalTestAccuracy);
    const json = JSON.parse(esgrad('eval', join(run, 'model.onnx'), '--json', '--dataset', 'mnist').stdout);
    assert.equal(json.accuracy, summary.finalTestAccuracy);
    assert.ok(Math.abs(json.loss - summary.finalTestLoss) < 1e-6, `${json.loss} vs ${summary.finalTestLoss}`);
  });

  it('bad input is one line with exit code 2', () => {
    oneLineError(
      esgrad('eval', join(tmp, 'missing.onnx')),
      /cannot read ONNX model .*missing\.onnx: ENOENT$/,
    );
    oneLineError(
      esgrad('eval', join(run, 'theta.safetensors')),
      /esgrad eval takes an ONNX file \(\.onnx\)$/,
    );
    const junk = join(tmp, 'junk.onnx');
    writeFileSync(junk, 'not onnx at all');
    oneLineError(esgrad('eval', junk), /junk\.onnx: not an ONNX model/);
    oneLineError(
      esgrad('eval', join(run, 'model.onnx'), '--loss', 'hinge'),
      /--loss hinge: use cross-entropy or mse$/,
    );
  });
});

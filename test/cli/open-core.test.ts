// The open core from the command line: a spec net on a 3-channel .npy dataset, an ONNX file's θ in
// `esgrad info`, and the one-line refusals (a bad spec before any data is read, no gradient, a misfit).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { paramLayout } from '../../src/model/architecture.ts';
import { exportOnnx } from '../../src/model/export.ts';
import { initParams } from '../../src/model/init.ts';
import { loadArchitecture } from '../../src/model/spec.ts';
import { f32Bytes, i64Bytes, npyDict, npyFile } from '../data/npy-fixtures.ts';
import { esgrad, oneLineError } from '../helpers/cli.ts';

const EXAMPLE_SPEC = join(import.meta.dirname, '../../examples/small-cnn.json');
const tmp = mkdtempSync(join(tmpdir(), 'esgrad-open-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A dataset directory: `count` 3×6×6 float32 images whose label is their brightest channel. */
function colourDir(dir: string): void {
  const split = (count: number, seed: number): [Uint8Array, Uint8Array] => {
    const pixels: number[] = [];
    const labels: number[] = [];
    for (let n = 0; n < count; n++) {
      const label = (n * 7 + seed) % 3;
      labels.push(label);
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < 36; p++)
          pixels.push(((n * 31 + p * 17 + c * 5 + seed) % 97) / (c === label ? 97 : 160));
    }
    return [
      npyFile(npyDict('<f4', [count, 3, 6, 6]), f32Bytes(pixels)),
      npyFile(npyDict('<i8', [count]), i64Bytes(labels)),
    ];
  };
  const [trainX, trainY] = split(300, 1);
  const [testX, testY] = split(90, 2);
  spawnSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'train-images.npy'), trainX);
  writeFileSync(join(dir, 'train-labels.npy'), trainY);
  writeFileSync(join(dir, 'test-images.npy'), testX);
  writeFileSync(join(dir, 'test-labels.npy'), testY);
}

describe('your network and data from the command line', () => {
  const data = join(tmp, 'colours');
  colourDir(data);
  const spec = join(tmp, 'colour-net.json');
  writeFileSync(
    spec,
    JSON.stringify({
      input: [3, 6, 6],
      layers: [
        { kind: 'conv2d', filters: 4, kernel: 3 },
        { kind: 'tanh' },
        { kind: 'avgpool', kernel: 6 },
        { kind: 'flatten' },
        { kind: 'dense', units: 3 },
      ],
    }),
  );

  it('trains a spec net on a 3-channel .npy directory with ES and with SGD', () => {
    for (const algo of ['es', 'sgd']) {
      const out = join(tmp, `run-${algo}`);
      const r = esgrad(
        'train',
        '--algo',
        algo,
        '--model',
        spec,
        '--dataset',
        data,
        '--iters',
        '30',
        '--batch',
        '30',
        '--lr',
        '0.05',
        '--eval-every',
        '30',
        ...(algo === 'es' ? ['--population', '40', '--sigma', '0.05', '--evaluator', 'local'] : []),
        '--out',
        out,
        '--quiet',
      );
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      assert.equal(summary.model, 'colour-net');
      assert.equal(summary.params, 4 * 3 * 9 + 4 + 4 * 3 + 3);
      assert.match(summary.dataset, /^colours \(300 train, 90 test\)$/);
      assert.ok(summary.finalTestAccuracy > 0.5, `${algo}: ${summary.finalTestAccuracy}`);
    }
  });

  it('a bad spec is one line naming the layer and field, before any data is read', () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ input: [1, 28, 28], layers: [{ kind: 'conv2d', filters: 4, kernel: 0 }] }),
    );
    oneLineError(
      esgrad('train', '--model', bad, '--dataset', '/nonexistent/data', '--iters', '1'),
      /^esgrad: .*bad\.json: layers\[0\]\.kernel: got 0; must be a positive integer$/,
    );
  });

  it('a model that does not fit the data says so in one line', () => {
    oneLineError(
      esgrad('train', '--model', spec, '--iters', '1', '--quiet'),
      /colour-net takes 3×6×6 inputs but MNIST.* has 1×28×28 images/,
    );
  });
});

describe('an ONNX file from the command line', () => {
  const arch = loadArchitecture(EXAMPLE_SPEC);
  const file = join(tmp, 'small.onnx');
  writeFileSync(file, exportOnnx(arch, initParams(paramLayout(arch), 0)));

  it('esgrad info names its float initializers as θ', () => {
    const r = esgrad('info', '--model', file, '--json');
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.params, 7018);
    assert.deepEqual(
      info.layout.map((s: { name: string }) => s.name),
      ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias'],
    );
  });

  it('SGD, the proxy and ρ need a gradient graph: one line each', () => {
    for (const args of [
      ['--algo', 'sgd'],
      ['--algo', 'proxy'],
      ['--algo', 'es', '--corr-every', '1'],
    ])
      oneLineError(
        esgrad(
          'train',
          '--model',
          file,
          ...args,
          '--iters',
          '1',
          ...(args[1] === 'es' ? ['--population', '4'] : []),
          '--out',
          join(tmp, 'x'),
        ),
        /needs the gradient of the loss and small-cnn has no gradient graph; train it with --algo es/,
      );
  });
});
